// Unit tests of the client library's logger: its own name, the program's sinks, a level of its own.
#include <catch2/catch.hpp>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "clients/cpp/client_log.hpp"

TEST_CASE(
  "The client library logs as 'actorcache' to the program's sinks, and can be quieted alone",
  "[client][log]") {
  auto before = spdlog::default_logger();
  spdlog::drop("actorcache"); // made anew from the default logger below
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto program = std::make_shared<spdlog::logger>("program", sink);
  program->set_level(spdlog::level::info);
  spdlog::set_default_logger(program);

  auto log = ac::client_log();
  CHECK(log->name() == "actorcache");
  CHECK(spdlog::get("actorcache") == log);
  CHECK(ac::client_log() == log); // made once
  log->warn("member m1 is down");
  log->debug("below the program's level");
  log->flush();
  CHECK(out.str().find("member m1 is down") != std::string::npos);
  CHECK(out.str().find("below the program's level") == std::string::npos);

  log->set_level(spdlog::level::err); // the library quieted, the program not
  log->warn("quieted");
  program->warn("the program still speaks");
  program->flush();
  CHECK(out.str().find("quieted") == std::string::npos);
  CHECK(out.str().find("the program still speaks") != std::string::npos);

  spdlog::drop("actorcache");
  spdlog::set_default_logger(before);
  spdlog::drop("program");
}
