// Near copies: lookup with expiry, bounded keeping, key listing.
#include "core/near_copies.hpp"

namespace ac {

const std::string* near_copies::find(const std::string& key, time_point now) {
  auto i = copies_.find(key);
  if (i == copies_.end())
    return nullptr;
  if (now < i->second.expires)
    return &i->second.value;
  copies_.erase(i);
  return nullptr;
}

void near_copies::keep(const std::string& key, std::string value, time_point expires) {
  if (!copies_.empty() && copies_.size() >= max_)
    copies_.erase(copies_.begin());
  copies_.insert_or_assign(key, copy{std::move(value), expires});
}

std::vector<std::string> near_copies::keys() const {
  std::vector<std::string> out;
  out.reserve(copies_.size());
  for (const auto& kv : copies_)
    out.push_back(kv.first);
  return out;
}

} // namespace ac
