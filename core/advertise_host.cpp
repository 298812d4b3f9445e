// The host a node announces (see advertise_host.hpp).
#include "core/advertise_host.hpp"

#include <algorithm>
#include <cctype>

#include "core/ip_literal.hpp"

namespace ac {

namespace {

/// RFC 1123 labels: letters, digits, '-' (not at either end), 1..63 characters; the last label
/// is not all digits, so a mistyped address ("10.0.0.300") is not taken for a name.
bool is_dns_name(const std::string& s) {
  if (s.empty() || s.size() > 253)
    return false;
  size_t start = 0;
  std::string last;
  while (start <= s.size()) {
    auto dot = s.find('.', start);
    auto label = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (unsigned char c : label)
      if (!std::isalnum(c) && c != '-')
        return false;
    last = label;
    if (dot == std::string::npos)
      break;
    start = dot + 1;
  }
  return !std::all_of(last.begin(), last.end(), [](unsigned char c) { return std::isdigit(c); });
}

} // namespace

bool is_wildcard_host(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

std::string advertise_host_problem(const std::string& host) {
  if (is_wildcard_host(host))
    return "'" + host + "' means every interface; peers need one address they can connect to";
  if (is_ipv4_literal(host) || is_ipv6_literal(host) || is_dns_name(host))
    return {};
  auto colon = host.rfind(':');
  auto digits = [](const std::string& s) {
    return !s.empty()
           && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
  };
  if (colon != std::string::npos && digits(host.substr(colon + 1))
      && (is_ipv4_literal(host.substr(0, colon)) || is_dns_name(host.substr(0, colon))))
    return "'" + host + "' has a port: give the host only (the ports are node.port and resp.port)";
  return "'" + host + "' is neither an IP address nor a host name";
}

advertise_choice choose_advertise_host(const std::string& advertise, const std::string& bind_host,
                                       const std::vector<interface_address>& interfaces) {
  if (!advertise.empty())
    return {advertise, {}};
  if (!is_wildcard_host(bind_host))
    return {bind_host, {}};
  for (auto& i : interfaces)
    if (i.up && !i.loopback && i.ipv4.rfind("127.", 0) != 0 && !i.ipv4.empty())
      return {i.ipv4, {}};
  return {"127.0.0.1", "node.host '" + bind_host
                         + "' binds every interface but this machine has no non-loopback IPv4 "
                           "address: announcing 127.0.0.1, which peers on other hosts cannot "
                           "reach (set node.advertise)"};
}

} // namespace ac
