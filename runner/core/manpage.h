#pragma once
// Man pages in roff (man(7) macros), written from the programs' own help tables so that the
// installed pages, --help and README.md cannot drift apart. Used by `qbi-runner help --man`
// and `qbi-sim --man`; the build writes the installed pages with them.
//
// Contract: everything added is escaped for roff (backslashes, leading dots and quotes, and
// `-` in code as \-), so any text may be passed; the output passes `man --warnings -l` without
// warnings as long as the input is plain ASCII text. Light markup in prose: `code` is set in
// bold, *name* in italics. Thread-safety: a ManPage is used by one thread.
#include <string>
#include <string_view>

namespace qbi::man {

// Escapes text for a roff text line (not the start of a line: see ManPage).
std::string escape(std::string_view text);
// escape() plus the markup: `code` -> bold (with \- for -), *word* -> italics.
std::string markup(std::string_view text);

class ManPage {
public:
    // .TH NAME SECTION "" "qbi-runner VERSION" "MANUAL"
    ManPage(std::string_view name, int section, std::string_view version, std::string_view manual);
    // .SH NAME with "name \\- description" (what whatis and apropos read).
    void name(std::string_view name, std::string_view description);
    void section(std::string_view heading);     // .SH (upper-cased)
    void subsection(std::string_view heading);  // .SS
    // Filled text with markup; a blank line ("\n\n") starts a new paragraph.
    void paragraph(std::string_view text);
    // .TP: a tag (code: bold, with \-) and its text (markup). `arg` in italics after the tag.
    void tagged(std::string_view tag, std::string_view arg, std::string_view text);
    // A tagged paragraph whose tag is already roff (e.g. "\\fB\\-q\\fR, \\fB\\-\\-quiet\\fR").
    void tagged_roff(std::string_view roff_tag, std::string_view text);
    // A bulleted paragraph (markup).
    void bullet(std::string_view text);
    // Literal lines, indented, not filled (examples, file excerpts).
    void literal(std::string_view lines);
    const std::string& str() const { return out_; }

private:
    void text_lines(std::string_view text);
    std::string out_;
};

// Converts the help-listing format of `qbi-sim --help` (sections as unindented lines ending the
// blank-line-separated groups; "  --flag ARG   text" option lines; deeper-indented continuation
// lines) into tagged paragraphs under subsections. Lines that are neither become paragraphs.
void help_listing(ManPage& page, std::string_view listing);

// A small Markdown subset to roff: "# Title" lines are skipped (the page has its .TH),
// "## Heading" -> .SH, "### Heading" -> .SS, fenced code blocks -> literal, "- item" lists ->
// tagged bullets, everything else -> paragraphs with markup.
void markdown(ManPage& page, std::string_view text);

}  // namespace qbi::man
