#include <catch2/catch.hpp>

#include "access.hpp"

using namespace sonoflow::web_viewer;

TEST_CASE("listen addresses: host, port, loopback") {
  auto a = parse_listen("127.0.0.1:8080");
  CHECK(a.host == "127.0.0.1");
  CHECK(a.port == 8080);
  CHECK(a.loopback);
  CHECK(parse_listen("localhost:0").loopback);
  CHECK(parse_listen("[::1]:9000").loopback);
  CHECK(parse_listen("[::1]:9000").host == "::1");
  CHECK_FALSE(parse_listen("0.0.0.0:8080").loopback);
  CHECK_FALSE(parse_listen("192.168.1.20:8080").loopback);
}

TEST_CASE("listen addresses: mistakes are named") {
  CHECK_THROWS_WITH(parse_listen("8080"), Catch::Contains("is not HOST:PORT"));
  CHECK_THROWS_WITH(parse_listen("127.0.0.1:"), Catch::Contains("is not HOST:PORT"));
  CHECK_THROWS_WITH(parse_listen("127.0.0.1:70000"),
                    Catch::Contains("port '70000' must be a number from 0 to 65535"));
  CHECK_THROWS_WITH(parse_listen("127.0.0.1:80a"), Catch::Contains("port '80a'"));
  CHECK_THROWS_WITH(parse_listen("no such host.invalid:80"),
                    Catch::Contains("host 'no such host.invalid'"));
}

TEST_CASE("tokens: from the query or a header, compared whole") {
  CHECK(token_of("/api/stats?token=abc", "", "") == "abc");
  CHECK(token_of("/ws?x=1&token=abc", "", "") == "abc");
  CHECK(token_of("/", "Bearer xyz", "") == "xyz");
  CHECK(token_of("/?token=abc", "", "hdr") == "hdr");
  CHECK(token_of("/", "", "").empty());
  CHECK(token_matches("", "anything"));
  CHECK(token_matches("abc", "abc"));
  CHECK_FALSE(token_matches("abc", ""));
  CHECK_FALSE(token_matches("abc", "ab"));
  CHECK_FALSE(token_matches("abc", "abcd"));
  CHECK_FALSE(token_matches("abc", "abd"));
  const auto t1 = random_token(), t2 = random_token();
  CHECK(t1.size() == 32);
  CHECK(t1.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(t1 != t2);
}

TEST_CASE("only the viewer's own page may call it from a browser") {
  CHECK(same_origin("", "127.0.0.1:8080"));  // a program, not a browser
  CHECK(same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
  CHECK(same_origin("https://viewer.local:8443", "viewer.local:8443"));
  CHECK_FALSE(same_origin("http://evil.example", "127.0.0.1:8080"));
  CHECK_FALSE(same_origin("http://127.0.0.1:9999", "127.0.0.1:8080"));
  CHECK_FALSE(same_origin("null", "127.0.0.1:8080"));
  CHECK_FALSE(same_origin("http://127.0.0.1:8080", ""));
}
