#include <catch2/catch.hpp>

#include "sonoflow/framework/describe.hpp"

using namespace sonoflow;

TEST_CASE("dotted result keys nest in the run report; a clash stays flat") {
  ValidatedPipeline pipeline;
  pipeline.name = "eval";
  std::map<std::string, Results> results;
  results["eval"] = {{"tip_error_mm.median", 0.25},
                     {"tip_error_mm.p95", 1.0},
                     {"detection_rate", 0.97},
                     {"rate", 1.0},
                     {"rate.p50", 2.0}};
  std::string json = report_json(pipeline, RunStats{}, results, {});
  std::erase_if(json, [](char c) { return c == ' ' || c == '\n'; });
  CHECK_THAT(json, Catch::Contains(R"("tip_error_mm":{"median":0.25,"p95":1})"));
  CHECK_THAT(json, Catch::Contains(R"("detection_rate":0.97)"));
  CHECK_THAT(json, Catch::Contains(R"("rate":1,)"));
  CHECK_THAT(json, Catch::Contains(R"("rate.p50":2)"));
}
