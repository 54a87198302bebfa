// The tap targets of one frame: every tappable widget, and every text a test
// may look for, by name ("score.7", "chip.waiting_time", "key.a",
// "complaint.thanks.title") with its screen rectangle.
//
// This is how scripts and tests tap by name, never by pixel. The shell clears
// it at the start of each frame.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace feedback::ui {

// A screen rectangle in pixels, origin top-left.
struct Rect {
    float x = 0.0f;
    float y = 0.0f;
    float width = 0.0f;
    float height = 0.0f;

    float center_x() const { return x + width * 0.5f; }
    float center_y() const { return y + height * 0.5f; }
    bool contains(float px, float py) const { return px >= x && py >= y && px < x + width && py < y + height; }
};

enum class TargetKind {
    tappable, // buttons, chips, keys, rows: a script may tap it
    display,  // titles, texts, fields, the keyboard's state: only looked for
};

struct Target {
    std::string name;
    Rect rect;
    TargetKind kind = TargetKind::tappable;
    bool enabled = true;
    bool selected = false; // chips, scores, toggles, the shift key
    // What a test may compare: a key's text it types ("A" with shift on), a
    // field's current text, otherwise the label shown.
    std::string value;
};

class TargetRegistry {
public:
    void clear();
    // Records a target drawn this frame. Two targets with one name are a bug
    // in the screen; they are kept, and duplicate_names() reports them (a
    // script refuses to tap an ambiguous name).
    void add(Target target);

    // The first target with this name, or nullptr.
    const Target* find(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    // The tappable target under a point (the last drawn wins, as on screen).
    const Target* at(float x, float y) const;

    const std::vector<Target>& all() const { return m_targets; }
    std::vector<std::string> duplicate_names() const;
    // "score.0, score.1, ..." for error messages; at most `limit` names.
    std::string describe(std::size_t limit = 80) const;

    // Labels that did not fit their box this frame (widgets.h
    // report_overflow): "target (\"label\")". A script fails on them.
    void add_overflow(std::string what) { m_overflows.push_back(std::move(what)); }
    const std::vector<std::string>& overflows() const { return m_overflows; }

private:
    std::vector<Target> m_targets;
    std::vector<std::string> m_overflows;
};

} // namespace feedback::ui
