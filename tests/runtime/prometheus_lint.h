// prometheus_lint: checks a Prometheus text exposition (format 0.0.4) as
// `promtool check metrics` would, and stricter: every family has exactly
// one `# HELP` with non-empty text, then exactly one `# TYPE`, before its
// samples; every sample belongs to the family just declared (histograms:
// name_bucket with an `le` label, name_sum, name_count); names match
// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*; label values
// use only the escapes \\, \" and \n; values are numbers; counters end in
// _total; no sample (name and labels) twice; every family has a sample;
// a `quantile` label only on a summary's own samples, an `le` label only on
// a histogram's _bucket samples; per histogram series (its labels but le):
// le bounds strictly increasing, cumulative counts non-decreasing, a +Inf
// bucket, equal to its _count.
//
//   std::vector<std::string> problems = prometheus_lint(text);  // empty: clean
#pragma once

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace triarb::testing_lint {

inline bool is_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

inline bool is_label_name(std::string_view s) {
  return is_metric_name(s) && s.find(':') == std::string_view::npos;
}

inline bool is_number(std::string_view s) {
  if (s == "+Inf" || s == "-Inf" || s == "NaN") return true;
  if (s.empty()) return false;
  const std::string t(s);
  char* end = nullptr;
  (void)std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size();
}

}  // namespace triarb::testing_lint

namespace triarb {

inline std::vector<std::string> prometheus_lint(std::string_view text) {
  using namespace testing_lint;
  std::vector<std::string> bad;
  struct family {
    bool help = false, type = false;
    std::string kind;
    int samples = 0;
  };
  std::map<std::string, family> families;
  std::string current;  // the family whose samples may follow
  std::set<std::string> seen_samples;
  struct series {  // one histogram's buckets, by its labels but le
    double last_le = 0, last_cum = 0;
    bool any_bucket = false, inf = false, has_count = false;
    double inf_cum = 0, count = 0;
  };
  std::map<std::string, series> histograms;
  if (!text.empty() && text.back() != '\n') bad.push_back("the text does not end with a newline");
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    const std::string at = "line " + std::to_string(line_no) + " '" + std::string(line) + "': ";
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool help = line[2] == 'H';
      std::string_view rest = line.substr(7);
      const std::size_t sp = rest.find(' ');
      const std::string name(rest.substr(0, sp));
      const std::string_view arg =
          sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
      if (!is_metric_name(name)) bad.push_back(at + "not a metric name");
      family& f = families[name];
      if (f.samples > 0) bad.push_back(at + "after the family's samples");
      if (help) {
        if (f.help) bad.push_back(at + "a second HELP for " + name);
        if (f.type) bad.push_back(at + "HELP after TYPE for " + name);
        if (arg.find_first_not_of(' ') == std::string_view::npos) {
          bad.push_back(at + "empty HELP text for " + name);
        }
        for (std::size_t i = 0; i < arg.size(); ++i) {
          if (arg[i] == '\\' &&
              (i + 1 == arg.size() || (arg[i + 1] != '\\' && arg[i + 1] != 'n'))) {
            bad.push_back(at + "a HELP escape other than \\\\ or \\n");
          }
          if (arg[i] == '\\') ++i;
        }
        f.help = true;
      } else {
        if (f.type) bad.push_back(at + "a second TYPE for " + name);
        if (!f.help) bad.push_back(at + "TYPE without a HELP before it for " + name);
        if (arg != "counter" && arg != "gauge" && arg != "histogram" && arg != "summary" &&
            arg != "untyped") {
          bad.push_back(at + "unknown type");
        }
        if (arg == "counter" && !name.ends_with("_total")) {
          bad.push_back(at + "a counter whose name does not end in _total");
        }
        f.type = true;
        f.kind = std::string(arg);
      }
      current = name;
      continue;
    }
    if (line.starts_with("#")) continue;  // a comment
    // name{labels} value [timestamp]
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name(line.substr(0, i));
    if (!is_metric_name(name)) bad.push_back(at + "not a metric name");
    std::string labels, labels_but_le;
    bool has_le = false, has_quantile = false;
    std::string le;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t j = i;
        while (j < line.size() && line[j] != '=') ++j;
        const std::string_view lname = line.substr(i, j - i);
        if (!is_label_name(lname)) bad.push_back(at + "not a label name: " + std::string(lname));
        if (lname == "le") has_le = true;
        if (j + 1 >= line.size() || line[j + 1] != '"') {
          bad.push_back(at + "a label value without quotes");
          break;
        }
        std::size_t k = j + 2;
        for (; k < line.size() && line[k] != '"'; ++k) {
          if (line[k] == '\\') {
            if (k + 1 >= line.size() ||
                (line[k + 1] != '\\' && line[k + 1] != '"' && line[k + 1] != 'n')) {
              bad.push_back(at + "a label value escape other than \\\\, \\\" or \\n");
            }
            ++k;
          }
        }
        if (k >= line.size()) {
          bad.push_back(at + "an unterminated label value");
          break;
        }
        labels += std::string(line.substr(i, k + 1 - i)) + ",";
        if (lname == "le") {
          le = std::string(line.substr(j + 2, k - j - 2));
        } else {
          labels_but_le += std::string(line.substr(i, k + 1 - i)) + ",";
        }
        if (lname == "quantile") has_quantile = true;
        i = k + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) {
        bad.push_back(at + "unterminated labels");
        continue;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      bad.push_back(at + "no value");
      continue;
    }
    std::string_view value = line.substr(i + 1);
    const std::size_t sp = value.find(' ');
    if (sp != std::string_view::npos) {
      const std::string_view ts = value.substr(sp + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string_view::npos) {
        bad.push_back(at + "a timestamp that is not an integer");
      }
      value = value.substr(0, sp);
    }
    if (!is_number(value)) bad.push_back(at + "a value that is not a number");
    if (!seen_samples.insert(name + "{" + labels + "}").second) {
      bad.push_back(at + "the same sample twice");
    }
    // Which family: the one just declared, under its own name or, for a
    // histogram, _bucket/_sum/_count.
    const auto fam = families.find(current);
    bool belongs = false;
    if (fam != families.end()) {
      const std::string& k = fam->second.kind;
      if (k == "histogram") {
        belongs = (name == current + "_bucket" && has_le) || name == current + "_sum" ||
                  name == current + "_count";
      } else if (k == "summary") {
        belongs = name == current || name == current + "_sum" || name == current + "_count";
      } else {
        belongs = name == current;
      }
    }
    if (!belongs) {
      bad.push_back(at + "a sample outside the family declared before it ('" + current + "')");
      continue;
    }
    ++families[current].samples;
    const std::string& kind = families[current].kind;
    if (has_quantile && !(kind == "summary" && name == current)) {
      bad.push_back(at + "a quantile label on a sample that is not a summary's quantile");
    }
    if (has_le && !(kind == "histogram" && name == current + "_bucket")) {
      bad.push_back(at + "an le label on a sample that is not a histogram's _bucket");
    }
    if (kind != "histogram" || !is_number(value)) continue;
    series& h = histograms[current + "{" + labels_but_le + "}"];
    const double v = std::strtod(std::string(value).c_str(), nullptr);
    if (name == current + "_count") {
      h.has_count = true;
      h.count = v;
    } else if (name == current + "_bucket" && is_number(le)) {
      const double bound = std::strtod(le.c_str(), nullptr);  // "+Inf": infinity
      if (h.any_bucket && !(bound > h.last_le)) {
        bad.push_back(at + "an le bound not above the one before it (" + le + ")");
      }
      if (h.any_bucket && v < h.last_cum) {
        bad.push_back(at + "a cumulative count below the one before it");
      }
      h.any_bucket = true;
      h.last_le = bound;
      h.last_cum = v;
      if (le == "+Inf") {
        h.inf = true;
        h.inf_cum = v;
      }
    } else if (name == current + "_bucket") {
      bad.push_back(at + "an le value that is not a number");
    }
  }
  for (const auto& [key, h] : histograms) {
    if (!h.inf) bad.push_back(key + ": a histogram without a +Inf bucket");
    if (!h.has_count) bad.push_back(key + ": a histogram without _count");
    if (h.inf && h.has_count && h.inf_cum != h.count) {
      bad.push_back(key + ": the +Inf bucket is not equal to _count");
    }
  }
  for (const auto& [name, f] : families) {
    if (!f.help) bad.push_back(name + ": no HELP");
    if (!f.type) bad.push_back(name + ": no TYPE");
    if (f.samples == 0) bad.push_back(name + ": no sample");
  }
  return bad;
}

}  // namespace triarb
