// `sonoflow recording FILE [--json] [--frames]`: what a recording holds (frame count and
// types, sequence numbers, duration, probe, who wrote it) and whether it is whole. Exit 0
// only for a complete file; a damaged or unclosed one exits 1 after saying what was
// recovered, so that scripts can tell a recording they can trust.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <climits>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>

#include "common.hpp"
#include "sonoflow/recording.hpp"

namespace sonoflow::cli {
namespace po = boost::program_options;

namespace {

struct FrameRow {
  RecordedFrameInfo info;
  uint32_t content_crc32c = 0;
};

// Everything the command prints, gathered once for both the text and the JSON form.
struct Summary {
  std::map<std::string, uint64_t> types;       // port type -> frames
  std::map<uint32_t, uint64_t> next_sequence;  // per source
  uint64_t gaps = 0;
  // Extremes, not first and last: frames of several sources interleave in the file.
  uint64_t sequence_min = UINT64_MAX, sequence_max = 0;
  int64_t utc_min_ns = INT64_MAX, utc_max_ns = INT64_MIN;
  std::string probe;
  double duration_s() const { return rows_seen ? (utc_max_ns - utc_min_ns) / 1e9 : 0.0; }
  bool rows_seen = false;
  std::vector<FrameRow> rows;  // with --frames
};

Summary summarise(RecordingReader& reader, bool list_frames) {
  Summary s;
  s.probe = reader.info().probe;
  if (list_frames) {
    for (size_t i = 0; i < reader.frame_count(); ++i) {
      uint32_t crc = 0;
      if (!reader.read(i, &crc)) break;  // damage: frame_count() now ends here
      s.rows.push_back({reader.frame_info(i), crc});
    }
  } else {
    reader.verify();
  }
  bool probe_sought = !s.probe.empty();
  for (size_t i = 0; i < reader.frame_count(); ++i) {
    const auto& f = reader.frame_info(i);
    ++s.types[f.type];
    s.rows_seen = true;
    s.sequence_min = std::min(s.sequence_min, f.sequence);
    s.sequence_max = std::max(s.sequence_max, f.sequence);
    s.utc_min_ns = std::min(s.utc_min_ns, f.utc_ns);
    s.utc_max_ns = std::max(s.utc_max_ns, f.utc_ns);
    auto [it, first] = s.next_sequence.try_emplace(f.source_id, f.sequence + 1);
    if (!first) {
      s.gaps += f.sequence != it->second;
      it->second = f.sequence + 1;
    }
    // Older writers, or a caller that gave none: describe the first rf frame's probe.
    if (!probe_sought && f.type == port_type::rf) {
      probe_sought = true;
      if (auto rf = std::dynamic_pointer_cast<RfFrame>(reader.read(i)); rf && rf->probe)
        s.probe = describe_probe(*rf->probe);
    }
  }
  return s;
}

std::string utc_text(int64_t utc_ns) {
  const std::time_t seconds = static_cast<std::time_t>(utc_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[80];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(utc_ns / 1'000'000 % 1000));
  return text;
}

bool complete(const RecordingReader& r) {
  return !r.damage() && r.index_problem().empty();
}

void print_text(const RecordingReader& r, const Summary& s) {
  const auto& info = r.info();
  const size_t n = r.frame_count();
  auto line = [](const char* key, const std::string& value) {
    std::printf("  %-12s %s\n", key, value.c_str());
  };
  std::printf("%s: SonoFlow recording (format %u), %llu bytes\n", r.path().c_str(),
              r.format_version(), static_cast<unsigned long long>(r.size_bytes()));
  line("written by", "SonoFlow " + info.sonoflow_version + ", " + utc_text(info.created_utc_ns));
  line("pipeline", info.pipeline_name.empty() ? "(not recorded)" : info.pipeline_name);
  if (!info.note.empty()) line("note", info.note);
  line("probe", s.probe.empty() ? "(none: no rf frame)" : s.probe);
  std::string types;
  for (auto& [type, count] : s.types)
    types += (types.empty() ? ": " : ", ") + type + " " + std::to_string(count);
  line("frames", std::to_string(n) + types);
  if (n > 0) {
    line("sequence", std::to_string(s.sequence_min) + " .. " + std::to_string(s.sequence_max) +
                         ", " + std::to_string(s.gaps) + " gaps, " +
                         std::to_string(s.next_sequence.size()) + " source(s)");
    char text[64];
    std::snprintf(text, sizeof text, "%.3f s", s.duration_s());
    line("duration",
         std::string(text) + " (" + utc_text(s.utc_min_ns) + " to " + utc_text(s.utc_max_ns) + ")");
  }
  line("index", r.index_problem().empty() ? "yes" : "not used: " + r.index_problem());
  if (r.damage())
    line("status", "DAMAGED: " + r.damage()->where + "; the " + std::to_string(n) +
                       " whole frames before it are readable");
  else
    line("status", complete(r) ? "complete"
                               : "incomplete; all " + std::to_string(n) +
                                     " frames found by scanning are readable");
  if (s.rows.empty()) return;
  std::printf("\n  %6s %12s %6s %10s %-6s %-24s %s\n", "frame", "offset", "source", "sequence",
              "type", "utc", "content_crc32c");
  for (size_t i = 0; i < s.rows.size(); ++i) {
    const auto& f = s.rows[i].info;
    std::printf("  %6zu %12llu %6u %10llu %-6s %-24s %08x\n", i,
                static_cast<unsigned long long>(f.offset_bytes), f.source_id,
                static_cast<unsigned long long>(f.sequence), f.type.c_str(),
                utc_text(f.utc_ns).c_str(), s.rows[i].content_crc32c);
  }
}

void print_json(const RecordingReader& r, const Summary& s) {
  using Poco::JSON::Array;
  using Poco::JSON::Object;
  auto ordered = [] { return Object::Ptr(new Object(Poco::JSON_PRESERVE_KEY_ORDER)); };
  const auto& info = r.info();
  const size_t n = r.frame_count();
  auto o = ordered();
  o->set("file", r.path().string());
  o->set("format_version", r.format_version());
  o->set("size_bytes", static_cast<Poco::UInt64>(r.size_bytes()));
  o->set("sonoflow_version", info.sonoflow_version);
  o->set("created_utc", utc_text(info.created_utc_ns));
  o->set("pipeline", info.pipeline_name);
  o->set("note", info.note);
  o->set("probe", s.probe);
  o->set("frames", static_cast<Poco::UInt64>(n));
  auto types = ordered();
  for (auto& [type, count] : s.types) types->set(type, static_cast<Poco::UInt64>(count));
  o->set("types", types);
  o->set("sources", static_cast<Poco::UInt64>(s.next_sequence.size()));
  auto seq = ordered();
  auto number_or_null = [n](uint64_t v) {
    return n ? Poco::Dynamic::Var(v) : Poco::Dynamic::Var();
  };
  seq->set("first", number_or_null(s.sequence_min));
  seq->set("last", number_or_null(s.sequence_max));
  seq->set("gaps", static_cast<Poco::UInt64>(s.gaps));
  o->set("sequence", seq);
  o->set("duration_s", s.duration_s());
  o->set("first_utc", n ? utc_text(s.utc_min_ns) : "");
  o->set("last_utc", n ? utc_text(s.utc_max_ns) : "");
  o->set("indexed", r.index_problem().empty());
  o->set("index_problem", r.index_problem());
  if (r.damage()) {
    auto d = ordered();
    d->set("offset", static_cast<Poco::UInt64>(r.damage()->offset_bytes));
    d->set("what", r.damage()->what);
    d->set("where", r.damage()->where);
    o->set("damage", d);
  } else {
    o->set("damage", Poco::Dynamic::Var());
  }
  o->set("complete", complete(r));
  if (!s.rows.empty()) {
    Array::Ptr rows = new Array;
    for (const auto& row : s.rows) {
      auto f = ordered();
      f->set("offset", static_cast<Poco::UInt64>(row.info.offset_bytes));
      f->set("source_id", row.info.source_id);
      f->set("sequence", static_cast<Poco::UInt64>(row.info.sequence));
      f->set("type", row.info.type);
      f->set("utc_ns", static_cast<Poco::Int64>(row.info.utc_ns));
      f->set("content_crc32c", static_cast<Poco::UInt64>(row.content_crc32c));
      rows->add(f);
    }
    o->set("frame_list", rows);
  }
  Poco::JSON::Stringifier::stringify(o, std::cout, 2);
  std::cout << "\n";
}

}  // namespace

int recording_command(const std::vector<std::string>& args) {
  std::string file;
  po::options_description options("sonoflow recording FILE [options]");
  options.add_options()("help,h", "show this help")("json", "print JSON")(
      "frames",
      "list every frame: offset, source, sequence, type, UTC, content CRC-32C "
      "(equal for equal data, sequence, UTC and truth, whichever run recorded it)");
  po::variables_map vm;
  if (auto status = parse_arguments("recording", args, options, file, "a recording file", true, vm))
    return *status;
  RecordingReader reader(file);  // throws naming the file and what is wrong (main prints it)
  const Summary summary = summarise(reader, vm.count("frames") > 0);
  if (vm.count("json"))
    print_json(reader, summary);
  else
    print_text(reader, summary);
  if (reader.damage())
    std::cerr << "sonoflow recording: damaged: " << reader.damage()->where << "\n";
  else if (!complete(reader))
    std::cerr << "sonoflow recording: incomplete: " << reader.index_problem() << "\n";
  return complete(reader) ? kOk : kFailed;
}

}  // namespace sonoflow::cli
