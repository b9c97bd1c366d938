#include "runner/cli/invocation.h"

#include <ostream>

#include "runner/core/log.h"
#include "runner/core/strings.h"

namespace qbi::cli {

namespace {

// Messages may quote file names, job text or a server's answer: printable() keeps them free of
// terminal escapes. Line breaks are kept (some messages list several places, one a line); under
// the journal every line starts with the priority.
void message(std::ostream& err, log::Level level, const std::string& head,
             const std::string& text) {
    const std::string_view prefix = log::priority_prefix(level);
    err << prefix << head;
    std::size_t start = 0;
    for (;;) {
        std::size_t nl = text.find('\n', start);
        err << printable(std::string_view(text).substr(start, nl - start)) << "\n";
        if (nl == std::string::npos) break;
        err << prefix;
        start = nl + 1;
    }
}

}  // namespace

bool Invocation::colour() const {
    auto no_colour = env("NO_COLOR");
    return out_is_tty && !(no_colour && !no_colour->empty()) && env("TERM").value_or("") != "dumb";
}

bool Invocation::redraw() const {
    return err_is_tty && env("TERM").value_or("") != "dumb";
}

int Invocation::fail(int code, const std::string& m) const {
    message(err, log::Level::Error, "qbi-runner: error: ", m);
    return code;
}

void Invocation::warn(const std::string& m) const {
    message(err, log::Level::Warn, "qbi-runner: warning: ", m);
}

void Invocation::note(const std::string& m) const {
    if (!global.quiet) message(err, log::Level::Info, "qbi-runner: ", m);
}

CredentialOptions Invocation::credentials() const {
    CredentialOptions o;
    o.credentials_file = global.credentials_file;
    o.profile = global.profile;
    o.env = env;
    return o;
}

void Invocation::print(const json::Value& document) const {
    out << document.to_json() << "\n";
}

json::Value json_document() {
    return json::Value::object().set("schema", kJsonSchema);
}

bool ParsedArgs::has(const std::string& name) const {
    for (const auto& [k, v] : options)
        if (k == name) return true;
    return false;
}

std::string ParsedArgs::get(const std::string& name, const std::string& def) const {
    std::string r = def;
    for (const auto& [k, v] : options)
        if (k == name) r = v;  // the last one wins
    return r;
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
    std::vector<std::string> r;
    for (const auto& [k, v] : options)
        if (k == name) r.push_back(v);
    return r;
}

Result<ParsedArgs> parse_args(const std::vector<std::string>& args,
                              const std::vector<std::string>& flags,
                              const std::vector<std::string>& valued) {
    ParsedArgs out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            for (++i; i < args.size(); ++i) out.positional.push_back(args[i]);
            break;
        }
        if (a.size() < 2 || a[0] != '-') {
            out.positional.push_back(a);
            continue;
        }
        std::string name = a, value;
        bool inline_value = false;
        if (auto eq = a.find('='); eq != std::string::npos && starts_with(a, "--")) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inline_value = true;
        }
        bool is_flag = false, is_valued = false;
        for (const auto& f : flags) is_flag |= (f == name);
        for (const auto& v : valued) is_valued |= (v == name);
        if (is_flag && !inline_value) {
            out.options.emplace_back(name, "");
        } else if (is_valued) {
            if (!inline_value) {
                if (i + 1 >= args.size()) return Error{kExitUsage, name + " needs a value"};
                value = args[++i];
            }
            out.options.emplace_back(name, value);
        } else {
            std::vector<std::string> all(flags);
            all.insert(all.end(), valued.begin(), valued.end());
            std::string hint = nearest(name, all);
            return Error{kExitUsage, "unknown option '" + name + "'" +
                                         (hint.empty() ? "" : "; did you mean '" + hint + "'?")};
        }
    }
    return out;
}

}  // namespace qbi::cli
