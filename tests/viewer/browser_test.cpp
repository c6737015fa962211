// The viewer in a real browser: headless Chromium opens the page of a running knee
// pipeline; over the DevTools protocol the test sees frames arrive, changes a parameter
// through the page's own control (and sees the image respond), sees a refused value's
// reason shown in the page, and saves a screenshot. Fails with a clear message when
// Chromium is missing: CI installs it (Debian package `chromium`).
#define CATCH_CONFIG_MAIN
#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "cdp.hpp"
#include "http.hpp"

using namespace viewer_test;
using namespace std::chrono_literals;

namespace {

std::string chromium_path() {
  if (const char* env = std::getenv("CHROMIUM")) return env;
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

// Polls `expression` until it is true: the page works at its own pace (frames come at the
// simulator's rate on a loaded machine), so the test waits for states, never for times.
// `limit` only bounds a broken run.
void wait_until(Cdp& cdp, const std::string& expression, std::chrono::seconds limit = 90s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!cdp.evaluate("!!(" + expression + ")").convert<bool>()) {
    if (std::chrono::steady_clock::now() > deadline)
      FAIL("the page never reached: " << expression << "\nlast error shown: "
                                      << cdp.evaluate("window.viewer && viewer.lastError").toString());
    std::this_thread::sleep_for(200ms);
  }
}

double number(Cdp& cdp, const std::string& expression) {
  return cdp.evaluate(expression).convert<double>();
}

}  // namespace

TEST_CASE("viewer: the page shows live frames, changes a parameter and shows refusals") {
  const std::string chromium = chromium_path();
  if (chromium.empty())
    FAIL("Chromium is not installed (no /usr/bin/chromium, CHROMIUM not set): the browser test "
         "needs it. Install it with: apt-get install chromium");

  const std::string work = SONOFLOW_VIEWER_WORK "/browser";
  std::filesystem::remove_all(work);
  Pipeline pipeline = start_pipeline(work, {}, 300);

  std::vector<std::string> args = {"--headless=new", "--disable-gpu", "--no-first-run",
                                   "--no-default-browser-check", "--remote-debugging-port=0",
                                   "--user-data-dir=" + work + "/profile",
                                   "--window-size=1400,1000", pipeline.url};
  if (::geteuid() == 0) args.insert(args.begin(), "--no-sandbox");  // Chromium refuses root otherwise
  Child browser(chromium, args, work + "/chromium.log");
  // With port 0 Chromium picks a port and announces it in its first output line.
  const uint16_t devtools_port = port_of(browser.wait_for_line("DevTools listening on ws://", 60s));
  std::string target;
  for (int i = 0; i < 100 && target.empty(); ++i) {
    target = page_target(devtools_port, pipeline.url);
    if (target.empty()) std::this_thread::sleep_for(100ms);
  }
  REQUIRE_FALSE(target.empty());
  Cdp cdp(target);

  // Frames advance.
  wait_until(cdp, "window.viewer && viewer.frames > 0");
  const double first = number(cdp, "viewer.frames");
  wait_until(cdp, "viewer.frames >= " + std::to_string(first + 3));
  CHECK(number(cdp, "viewer.geometry.width") > 0);

  // Controls were built from the descriptors: a slider for a range, a select for an enum.
  wait_until(cdp, "document.getElementById('param-bmode-gain_db')");
  CHECK(cdp.evaluate("document.getElementById('slider-bmode-gain_db').type").toString() == "range");
  CHECK(cdp.evaluate("document.getElementById('param-bmode-reference').tagName").toString() ==
        "SELECT");
  CHECK(cdp.evaluate("!!document.getElementById('param-probe-preset')").convert<bool>() == false);

  // Darken the image through the page's control: -30 dB of gain at 60 dB of range.
  const double grey_before = number(cdp, "viewer.meanGrey()");
  cdp.evaluate(
      "(() => { const e = document.getElementById('param-bmode-gain_db'); e.value = '-30';"
      " e.dispatchEvent(new Event('change')); })()");
  wait_until(cdp, "viewer.params['bmode.gain_db'] === -30");
  {
    Response r = http(pipeline.port, "GET", "/api/params?node=bmode");
    REQUIRE(r.status == 200);
    auto params = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>()->getArray("params");
    double gain = 0;
    for (unsigned i = 0; i < params->size(); ++i)
      if (params->getObject(i)->getValue<std::string>("name") == "gain_db")
        gain = params->getObject(i)->getValue<double>("value");
    CHECK(gain == -30);
  }
  // Frames made after the change (a few more than in flight) show it.
  const double frames_at_change = number(cdp, "viewer.frames");
  wait_until(cdp, "viewer.frames >= " + std::to_string(frames_at_change + 10));
  const double grey_after = number(cdp, "viewer.meanGrey()");
  INFO("mean grey before " << grey_before << ", after " << grey_after);
  CHECK(grey_after < grey_before * 0.7);

  // A refused value: the reason is shown beside the control.
  cdp.evaluate(
      "(() => { const e = document.getElementById('param-bmode-dynamic_range_db'); e.value = '500';"
      " e.dispatchEvent(new Event('change')); })()");
  wait_until(cdp, "document.getElementById('error-bmode-dynamic_range_db').textContent !== ''");
  CHECK(cdp.evaluate("document.getElementById('error-bmode-dynamic_range_db').textContent").toString() ==
        "parameter 'bmode.dynamic_range_db' must be between 10 and 120 dB, got 500");

  // A click maps to mm through the frame's geometry; with no node taking a live
  // target_mm (no needle guidance here) the page says so instead of sending anything.
  cdp.evaluate(
      "(() => { const r = document.getElementById('image').getBoundingClientRect();"
      " document.getElementById('image').dispatchEvent(new MouseEvent('click',"
      " {clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true})); })()");
  wait_until(cdp, "viewer.lastClickMm");
  const double x_mm = number(cdp, "viewer.lastClickMm[0]");
  const double z_mm = number(cdp, "viewer.lastClickMm[1]");
  const double centre_x_mm = number(
      cdp, "viewer.geometry.origin_mm[0] + viewer.geometry.spacing_mm[0] * viewer.geometry.width / 2");
  const double centre_z_mm = number(
      cdp, "viewer.geometry.origin_mm[1] + viewer.geometry.spacing_mm[1] * viewer.geometry.height / 2");
  CHECK(std::abs(x_mm - centre_x_mm) < 0.3);
  CHECK(std::abs(z_mm - centre_z_mm) < 0.3);
  CHECK(cdp.evaluate("viewer.lastError").toString() == "no node has a live target_mm parameter to set");

  // A good value clears the refusal.
  cdp.evaluate(
      "(() => { const e = document.getElementById('param-bmode-dynamic_range_db'); e.value = '60';"
      " e.dispatchEvent(new Event('change')); })()");
  wait_until(cdp, "document.getElementById('error-bmode-dynamic_range_db').textContent === ''");
  CHECK(cdp.evaluate("viewer.lastError").toString() == "");

  // Back to a readable image for the screenshot.
  cdp.evaluate(
      "(() => { const e = document.getElementById('param-bmode-gain_db'); e.value = '0';"
      " e.dispatchEvent(new Event('change')); })()");
  wait_until(cdp, "viewer.params['bmode.gain_db'] === 0");
  const double frames_restored = number(cdp, "viewer.frames");
  wait_until(cdp, "viewer.frames >= " + std::to_string(frames_restored + 10));
  wait_until(cdp, "viewer.stats && Object.keys(viewer.stats.nodes).length === 4");

  Poco::JSON::Object::Ptr shot_params = new Poco::JSON::Object;
  shot_params->set("format", "png");
  auto shot = cdp.call("Page.captureScreenshot", shot_params);
  std::istringstream base64(shot->getValue<std::string>("data"));
  Poco::Base64Decoder decoder(base64);
  std::ofstream png(SONOFLOW_VIEWER_SCREENSHOT, std::ios::binary);
  png << decoder.rdbuf();
  png.close();
  CHECK(std::filesystem::file_size(SONOFLOW_VIEWER_SCREENSHOT) > 10000);

  browser.signal(SIGTERM);
  browser.wait(30s);
  CHECK(stop_pipeline(pipeline) == 0);
}
