// Small text helpers: JSON string escaping and UTF-8 boundaries.
#include <cstdio>

#include "internal.h"

std::string json_escape(const std::string &s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\u%04x", c);
        out += hex;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  out += '"';
  return out;
}

static size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1; // a stray continuation or invalid byte: pass it on rather than hold it forever
}

size_t utf8_complete_prefix(const std::string &s) {
  const size_t n = s.size();
  // Only the last three bytes can belong to an unfinished character.
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead
    const size_t need = utf8_sequence_length(c);
    return need > back ? n - back : n;
  }
  return n;
}
