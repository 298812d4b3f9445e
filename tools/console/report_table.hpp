// Plain-text rendering of node reports and member lists for the console.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "messages/stats.hpp"
#include "tools/common/report_json.hpp"

namespace ac {

/// Columns padded to their widest cell; the first two columns left-aligned, the rest right.
class text_table {
public:
  explicit text_table(std::vector<std::string> header);
  void add(std::vector<std::string> row);
  std::string render() const;

private:
  std::vector<std::vector<std::string>> rows_; // rows_[0] is the header
};

/// `stats`: one row per actor, the node totals, the recommendations.
std::string render_stats(const node_report& r);

/// One line for a member that gave no report: its id, address and state, no numbers.
std::string render_absent_member(const absent_member& m);

/// `members`: id, address, state, epoch, share, last heartbeat.
std::string render_members(const membership_view& v);

/// `recommendations`: one line each ("no recommendations" when there is none).
std::string render_recommendations(const node_report& r);

/// `top`: per-actor message rates between two reports `seconds` apart (`prev` may be
/// null for the first frame), mailbox depths, hit rate, p99.
std::string render_top(const node_report& now, const node_report* prev, double seconds);

/// 1536 -> "1.5 KiB".
std::string human_bytes(double bytes);

} // namespace ac
