#pragma once
// The gateway's XML rendering of an answer (the default format of HMAC-SHA1 requests without
// Format=JSON): a JSON document (runner/core/json.h) as <name>...</name> elements; arrays
// repeat their elements as <name> children of <name>. Pure; thread-safe.
#include <string>

#include "runner/core/json.h"

namespace qbi::sim {

// Declaration plus <root>...</root>.
std::string to_xml_document(const json::Value& v, const std::string& root);

}  // namespace qbi::sim
