#include "core/store/pendingsessionstates.h"

#include <iterator>

namespace parley::core {

void PendingSessionStates::setTop(Entry &entry, int depth, std::optional<State> state)
{
    if (!entry.layers.empty() && entry.layers.back().depth == depth) {
        entry.layers.back().state = std::move(state);
    } else {
        entry.layers.push_back(Layer{depth, std::move(state)});
    }
}

void PendingSessionStates::set(SessionId id, ContactId contact, int depth,
                               const crypto::WipedBytes &state, qint64 updatedAt)
{
    Entry &entry = m_entries[id.value];
    entry.contact = contact;
    setTop(entry, depth, State{crypto::WipedBytes(state.view()), updatedAt});
}

void PendingSessionStates::removeContact(ContactId contact, int depth)
{
    for (auto &[id, entry] : m_entries) {
        if (entry.contact == contact) {
            setTop(entry, depth, std::nullopt);
        }
    }
}

const PendingSessionStates::State *PendingSessionStates::find(SessionId id) const
{
    const auto found = m_entries.find(id.value);
    if (found == m_entries.end() || found->second.layers.empty() ||
        !found->second.layers.back().state) {
        return nullptr;
    }
    return &*found->second.layers.back().state;
}

void PendingSessionStates::release(int depth)
{
    for (auto &[id, entry] : m_entries) {
        auto &layers = entry.layers;
        if (layers.empty() || layers.back().depth != depth) {
            continue;
        }
        // The released level's value replaces the one below it (or becomes it).
        if (layers.size() >= 2 && layers[layers.size() - 2].depth == depth - 1) {
            layers[layers.size() - 2].state = std::move(layers.back().state);
            layers.pop_back();
        } else {
            layers.back().depth = depth - 1;
        }
    }
}

void PendingSessionStates::rollback(int depth)
{
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        auto &layers = it->second.layers;
        if (!layers.empty() && layers.back().depth == depth) {
            layers.pop_back();
        }
        it = layers.empty() ? m_entries.erase(it) : std::next(it);
    }
}

std::vector<std::pair<SessionId, const PendingSessionStates::State *>>
PendingSessionStates::toWrite() const
{
    std::vector<std::pair<SessionId, const State *>> states;
    for (const auto &[id, entry] : m_entries) {
        if (!entry.layers.empty() && entry.layers.back().state) {
            states.emplace_back(SessionId{id}, &*entry.layers.back().state);
        }
    }
    return states;
}

} // namespace parley::core
