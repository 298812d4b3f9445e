// redis_pipeline.hpp: one blocking hiredis connection with batched (pipelined) commands, for redis_bridge.
//
// No CAF here: the redis_bridge actor owns one redis_connection per worker and calls it from its
// own thread; an instance is not thread-safe. Every call is bounded by `timeout` (socket send and
// receive timeouts), so a hung server costs at most a few timeouts, never a hang. On any I/O or
// protocol error the connection closes itself: connected() turns false and the caller reconnects
// (with backoff) before the next call. A Redis error reply (e.g. WRONGTYPE, OOM) is reported but
// keeps the connection, since the byte stream is still in sync. All keys and values are
// binary-safe; keys are given without the prefix, which is added here.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

struct redisContext;

namespace ac {

/// Where and how to connect to the L2 Redis server.
struct redis_options {
  std::string host = "127.0.0.1";         // server address (IPv4/IPv6 literal or name)
  uint16_t port = 6379;                   // server port
  std::string username;                   // ACL user; empty = the default user (AUTH password)
  std::string password;                   // empty = no AUTH; never logged
  int db = 0;                             // SELECTed after connecting when not 0
  std::chrono::milliseconds timeout{200}; // bound on connect and on each send/receive
  std::string key_prefix = "ac:";         // prepended to every key this connection touches
  // TCP keep-alive of the connection (the original note's values): probes start after
  // keepalive_idle of silence, repeat every keepalive_interval, and keepalive_count
  // unanswered ones close it, so a dead server or a dropped NAT entry is noticed on an idle pool.
  std::chrono::seconds keepalive_idle{60};
  std::chrono::seconds keepalive_interval{30};
  int keepalive_count = 3;
};

/// A blocking Redis connection; see the file comment for the error and threading contract.
class redis_connection {
public:
  /// One SET of a batch: key (without prefix), value, TTL in seconds (0 = no expiry).
  using set_item = std::tuple<std::string, std::string, uint32_t>;

  explicit redis_connection(redis_options options);
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;
  redis_connection(redis_connection&& other) noexcept;
  redis_connection& operator=(redis_connection&& other) noexcept;

  /// (Re)connects: TCP connect within `timeout`, socket timeouts, TCP keep-alive, then AUTH and
  /// SELECT when configured. Closes any previous connection first. False + *error on failure.
  bool connect(std::string* error);

  /// True between a successful connect() and close() or an I/O error.
  bool connected() const { return ctx_ != nullptr; }

  /// Drops the connection; idempotent.
  void close();

  /// One MGET for all `keys`; element i is the value of keys[i] or nullopt when it is missing (or
  /// not a string). nullopt + *error on failure. No keys: an empty vector, no round trip.
  std::optional<std::vector<std::optional<std::string>>> mget(const std::vector<std::string>& keys,
                                                              std::string* error);

  /// A value with the time Redis gives it left: PTTL in ms, or -1 (no expiry), -2 (it expired or
  /// was deleted between the MGET and the PTTL: serve it, keep it nowhere).
  struct timed_value {
    std::string value;
    int64_t pttl_ms = -1;
  };

  /// mget() plus every key's PTTL, pipelined in the same write (one round trip): a reader
  /// learns a value's remaining lifetime from Redis's clock, not from the writer's wall clock.
  /// Redis runs the commands of one pipeline read back to back, so value and PTTL describe the
  /// same moment unless another client slips in between (then PTTL may say -2, handled above).
  std::optional<std::vector<std::optional<timed_value>>> mget_pttl(
    const std::vector<std::string>& keys, std::string* error);

  /// Pipelined `SET k v [EX ttl]` for every item: one write, then all replies (one round trip).
  /// False + *error (the first failure) if any SET failed; the others may have been applied.
  bool set_ex(const std::vector<set_item>& items, std::string* error);

  /// One conditional SET of a batch: `SET k v [EX ttl] NX` (if_absent) or `XX`.
  struct cond_set_item {
    std::string key; ///< without the prefix
    std::string value;
    uint32_t ttl_seconds = 0; ///< 0 = no expiry
    bool if_absent = true;    ///< NX; false: XX
  };

  /// Pipelined conditional SETs, one round trip: element i is true when Redis applied item i,
  /// false when its condition did not hold. nullopt + *error when any failed (the others may
  /// have been applied).
  std::optional<std::vector<bool>> set_if(const std::vector<cond_set_item>& items,
                                          std::string* error);

  /// Pipelined `DEL k` for every key, one round trip: element i is true when Redis removed
  /// keys[i], false when it did not hold it. nullopt + *error on failure.
  std::optional<std::vector<bool>> del(const std::vector<std::string>& keys, std::string* error);

  /// TTL of `key` in seconds as Redis reports it: -2 = missing, -1 = no expiry. nullopt + *error on
  /// failure.
  std::optional<int64_t> ttl(const std::string& key, std::string* error);

  /// PING; true when the server answered PONG.
  bool ping(std::string* error);

  /// The options this connection was made with.
  const redis_options& options() const { return options_; }

  /// The socket, -1 when not connected (tests read its options back).
  int fd() const;

private:
  class reply;

  // Sends `commands` (each an argv) in one write and reads one reply per command. Returns the
  // replies, or an empty vector after an I/O error (connection closed, *error set).
  std::vector<reply> round_trip(const std::vector<std::vector<std::string>>& commands,
                                const char* what, std::string* error);
  // The same over views of arguments that live elsewhere (a SET's value is not copied).
  std::vector<reply> round_trip_views(const std::vector<std::vector<std::string_view>>& commands,
                                      const char* what, std::string* error);

  // mget() and mget_pttl(): one MGET, with every key's PTTL pipelined after it when asked
  // (pttl_ms stays -1 without).
  std::optional<std::vector<std::optional<timed_value>>> mget_timed(
    const std::vector<std::string>& keys, bool with_pttl, std::string* error);

  // Records an I/O/protocol failure of `what`, closes the connection, returns false.
  bool fail_io(const char* what, std::string* error);

  std::string prefixed(const std::string& key) const { return options_.key_prefix + key; }

  redis_options options_;
  redisContext* ctx_ = nullptr; // owned; null when not connected
};

} // namespace ac
