// The client library's logger: "actorcache", apart from the program's own logging.
#pragma once

#include <memory>

#include <spdlog/logger.h>

namespace ac {

/// The logger every message of the client library goes through, registered with spdlog as
/// "actorcache": a program sets its level or sinks apart from its own (spdlog::get
/// ("actorcache")->set_level(spdlog::level::err) silences the library's warnings alone). Made
/// on first use with the sinks and level of spdlog's default logger then, so by default the
/// library writes where the program's logs go; one a program registered under that name first
/// is used as it is.
std::shared_ptr<spdlog::logger> client_log();

} // namespace ac
