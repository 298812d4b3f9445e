// Registers actorcache's message types with CAF (see register_types.hpp).
#include "messages/register_types.hpp"

#include "messages/errors.hpp"
#include "messages/front_actor.hpp"
#include "messages/lease_actor.hpp"
#include "messages/lookup.hpp"
#include "messages/stats.hpp"

namespace ac {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<lookup_result>("lookup_result"); // also vector<lookup_result>
  cfg.add_message_type<scan_page>("scan_page");
  cfg.add_message_type<hot_key_list>("hot_key_list");
  cfg.add_message_type<actor_stats>("actor_stats");
  cfg.add_message_type<sizing_report>("sizing_report");
  cfg.add_message_type<advice_thresholds>("advice_thresholds");
  cfg.add_message_type<node_report>("node_report");
  cfg.add_message_type<member_info>("member_info");
  cfg.add_message_type<membership_view>("membership_view");
  cfg.add_message_type<routing_table>("routing_table");
  cfg.add_message_type<front_actor>("front_actor");
  cfg.add_message_type<lease_reply>("lease_reply");
  cfg.add_error_category(errc_category, [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    return describe(caf::error{code, errc_category, ctx});
  });
}

} // namespace ac
