// TargetRegistry: the per-frame list of named screen rectangles.
#include "ui/target_registry.h"

#include <algorithm>
#include <set>

namespace feedback::ui {

void TargetRegistry::clear()
{
    m_targets.clear();
    m_overflows.clear();
}

void TargetRegistry::add(Target target) { m_targets.push_back(std::move(target)); }

const Target* TargetRegistry::find(std::string_view name) const
{
    auto found = std::find_if(m_targets.begin(), m_targets.end(), [&](const Target& t) { return t.name == name; });
    return found == m_targets.end() ? nullptr : &*found;
}

std::size_t TargetRegistry::count(std::string_view name) const
{
    return static_cast<std::size_t>(
        std::count_if(m_targets.begin(), m_targets.end(), [&](const Target& t) { return t.name == name; }));
}

const Target* TargetRegistry::at(float x, float y) const
{
    for (auto it = m_targets.rbegin(); it != m_targets.rend(); ++it)
        if (it->kind == TargetKind::tappable && it->rect.contains(x, y))
            return &*it;
    return nullptr;
}

std::vector<std::string> TargetRegistry::duplicate_names() const
{
    std::set<std::string_view> seen;
    std::set<std::string> duplicates;
    for (const Target& target : m_targets)
        if (!seen.insert(target.name).second)
            duplicates.insert(target.name);
    return {duplicates.begin(), duplicates.end()};
}

std::string TargetRegistry::describe(std::size_t limit) const
{
    if (m_targets.empty())
        return "(none)";
    std::string text;
    std::size_t shown = 0;
    for (const Target& target : m_targets) {
        if (shown == limit) {
            text += ", ... (" + std::to_string(m_targets.size() - shown) + " more)";
            break;
        }
        if (shown > 0)
            text += ", ";
        text += target.name;
        if (target.kind == TargetKind::display)
            text += " (text)";
        else if (!target.enabled)
            text += " (disabled)";
        ++shown;
    }
    return text;
}

} // namespace feedback::ui
