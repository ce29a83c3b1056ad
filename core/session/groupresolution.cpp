// The fork choice of M1 §9.5: which of a group's stored changes make its chain. Declared in
// groupchange.h; kept apart from the layout and the checks of single changes (groupchange.cpp).

#include "core/session/groupchange.h"
#include "core/session/grouprank.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace parley::core {

namespace {

constexpr std::size_t kNoParent = std::numeric_limits<std::size_t>::max();

// A valid change in the tree of every change held (M1 §9.5), with the state it makes.
struct ChainNode
{
    const GroupChange *change = nullptr;
    QByteArray digest;
    GroupState state;
    std::size_t parent = kNoParent;
    std::vector<std::size_t> children;
    // Its subtree is the changes at positions [first, last] of a depth-first walk.
    std::size_t first = 0;
    std::size_t last = 0;
};

// Every valid change reachable from a valid create, parents before children. Each change names
// one parent, so each is verified at most once.
std::vector<ChainNode> validTree(const std::vector<GroupChange> &changes,
                                 const PinnedKeyLookup &pinned)
{
    std::map<QByteArray, const GroupChange *> byDigest; // duplicates collapse
    for (const GroupChange &change : changes) {
        byDigest.emplace(change.digest(), &change);
    }
    std::map<QByteArray, std::vector<std::pair<QByteArray, const GroupChange *>>> byParent;
    std::vector<ChainNode> nodes;
    for (const auto &[digest, change] : byDigest) {
        if (change->op != GroupOp::Create) {
            byParent[change->parent].emplace_back(digest, change);
        } else if (!verifyGroupChange(std::nullopt, *change, pinned)) {
            nodes.push_back(ChainNode{change, digest, change->state(), kNoParent, {}, 0, 0});
        }
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto children = byParent.find(nodes[i].digest);
        if (children == byParent.end()) {
            continue;
        }
        for (const auto &[digest, change] : children->second) {
            if (change->epoch == nodes[i].state.epoch + 1 &&
                !verifyGroupChange(nodes[i].state, *change, pinned)) {
                nodes[i].children.push_back(nodes.size());
                GroupState state = change->stateAfter(nodes[i].state);
                nodes.push_back(ChainNode{change, digest, std::move(state), i, {}, 0, 0});
            }
        }
    }
    return nodes;
}

// Where each address signed: the positions of the depth-first walk (ascending) with the
// epoch of each change, so that "did X sign in this subtree, and how late" is a binary search
// and a scan of X's own changes there.
using SignedAt = std::map<QString, std::vector<std::pair<std::size_t, quint32>>>;

SignedAt walkDepthFirst(std::vector<ChainNode> &nodes)
{
    SignedAt signedAt;
    std::size_t position = 0;
    const auto visit = [&](ChainNode &node) {
        node.first = position;
        signedAt[node.change->signer].emplace_back(position++, node.change->epoch);
    };
    std::vector<std::pair<std::size_t, std::size_t>> stack; // (node, next child)
    for (std::size_t root = 0; root < nodes.size() && nodes[root].parent == kNoParent; ++root) {
        stack.emplace_back(root, 0);
        visit(nodes[root]);
        while (!stack.empty()) {
            auto &[node, next] = stack.back();
            if (next < nodes[node].children.size()) {
                const std::size_t child = nodes[node].children[next++];
                visit(nodes[child]);
                stack.emplace_back(child, 0);
            } else {
                nodes[node].last = position - 1;
                stack.pop_back();
            }
        }
    }
    return signedAt;
}

// The highest epoch among `address`'s changes in `subtree` (nullopt: it signed none there).
std::optional<quint32> latestSignedWithin(const SignedAt &signedAt, const QString &address,
                                          const ChainNode &subtree)
{
    const auto found = signedAt.find(address);
    if (found == signedAt.end()) {
        return std::nullopt;
    }
    std::optional<quint32> latest;
    auto at = std::lower_bound(found->second.begin(), found->second.end(),
                               std::pair<std::size_t, quint32>(subtree.first, 0));
    for (; at != found->second.end() && at->first <= subtree.last; ++at) {
        latest = std::max(latest.value_or(0), at->second);
    }
    return latest;
}

// The fork choice among the children of `parent` (M1 §9.5): the subtree holding a change by
// the highest-ranked admin of `parent` wins — a change is never discarded for one by a
// lower-ranked admin, and whoever signs in a branch adds no more than its rank in `parent` —
// and between subtrees with the same highest admin, the one holding that admin's latest
// change (only it can move that); then the child whose signer ranks highest in `parent`, then
// the smaller digest.
std::size_t chooseChild(const std::vector<ChainNode> &nodes, const SignedAt &signedAt,
                        const ChainNode &parent)
{
    // The parent's admins, highest rank first; equal ranks (one key for two addresses) by
    // address, so that every platform's sort gives one order.
    std::vector<std::pair<Rank, QString>> admins;
    for (const GroupMember &member : parent.state.members) {
        if (member.admin) {
            admins.emplace_back(rankOf(parent.state, member.address), member.address);
        }
    }
    const auto higher = [](const std::pair<Rank, QString> &a, const std::pair<Rank, QString> &b) {
        if (a.first < b.first || b.first < a.first) {
            return a.first < b.first;
        }
        return a.second.toUtf8() < b.second.toUtf8();
    };
    std::sort(admins.begin(), admins.end(), higher);
    struct Candidate
    {
        std::size_t weight; // index in `admins` of its highest signer (admins.size(): none)
        quint32 latest;     // the epoch of that signer's latest change in the subtree
        Rank signer;
        QByteArray digest;
        std::size_t node;
    };
    std::optional<Candidate> best;
    for (const std::size_t child : parent.children) {
        const ChainNode &node = nodes[child];
        Candidate candidate{admins.size(), 0, rankOf(parent.state, node.change->signer),
                            node.digest, child};
        for (std::size_t a = 0; a < admins.size(); ++a) {
            if (const auto latest = latestSignedWithin(signedAt, admins[a].second, node)) {
                candidate.weight = a;
                candidate.latest = *latest;
                break;
            }
        }
        const auto beats = [](const Candidate &x, const Candidate &y) {
            if (x.weight != y.weight) {
                return x.weight < y.weight;
            }
            if (x.latest != y.latest) {
                return x.latest > y.latest; // a stale device's change loses to its later ones
            }
            if (x.signer < y.signer || y.signer < x.signer) {
                return x.signer < y.signer;
            }
            return x.digest < y.digest; // one signer's own rivals
        };
        if (!best || beats(candidate, *best)) {
            best = std::move(candidate);
        }
    }
    return best->node;
}

} // namespace

std::set<QByteArray> validGroupChanges(const std::vector<GroupChange> &changes)
{
    std::set<QByteArray> valid;
    for (const ChainNode &node : validTree(changes, {})) {
        valid.insert(node.digest);
    }
    return valid;
}

std::vector<GroupState> resolveGroupChain(const std::vector<GroupChange> &changes,
                                          const PinnedKeyLookup &pinned)
{
    std::vector<ChainNode> nodes = validTree(changes, pinned);
    if (nodes.empty()) {
        return {};
    }
    const SignedAt signedAt = walkDepthFirst(nodes);
    // The creates: one creator (the group id is bound to its key), so the smaller digest.
    std::size_t chosen = 0;
    for (std::size_t root = 1; root < nodes.size() && nodes[root].parent == kNoParent; ++root) {
        if (nodes[root].digest < nodes[chosen].digest) {
            chosen = root;
        }
    }
    std::vector<GroupState> chain = {nodes[chosen].state};
    while (!nodes[chosen].children.empty()) {
        chosen = chooseChild(nodes, signedAt, nodes[chosen]);
        chain.push_back(nodes[chosen].state);
    }
    return chain;
}

std::optional<GroupState> resolveGroup(const std::vector<GroupChange> &changes,
                                       const PinnedKeyLookup &pinned)
{
    auto chain = resolveGroupChain(changes, pinned);
    if (chain.empty()) {
        return std::nullopt;
    }
    return std::move(chain.back());
}

} // namespace parley::core
