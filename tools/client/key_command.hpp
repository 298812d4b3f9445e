// `actorcache-client key --npy=FILE [--param=NAME=VALUE ...]`: the feature key of an array.
#pragma once

#include <string>
#include <vector>

namespace ac {

/// True when argv (without the program name) asks for the key command: its first word that
/// is not an option is "key". That command needs no node and no actor system.
bool is_key_command(const std::vector<std::string>& args);

/// Prints normalize_features_key(array, config_signature(params)) of the .npy file, the same
/// string as Python's actorcache.feature_key(array, **params) (with --json: {"key": "..."}).
/// Returns 0, or 2 with the reason on stderr.
int run_key_command(const std::vector<std::string>& args);

} // namespace ac
