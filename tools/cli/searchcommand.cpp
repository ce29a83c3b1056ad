// parley-cli search TEXT: the profile's search index (docs/cli.md), on the store's database
// thread through core's searchMessages(); prints the newest matches first.

#include "core/account/accountmanager.h"
#include "core/async/whenfinished.h"
#include "core/clientcore.h"
#include "core/store/profilestore.h"
#include "core/store/searchindex.h"
#include "core/store/storecontext.h"
#include "sessioncommands.h"

namespace parley::cli {

namespace {

constexpr int kSearchLimit = 100;

} // namespace

void SessionCommand::search()
{
    const std::shared_ptr<core::ProfileStore> store = m_core->accountManager()->store();
    if (!store) {
        fail(QStringLiteral("the profile is not open"));
        finish(kExitProfile);
        return;
    }
    const QString text = m_command.arguments.value(0);
    // Pages until kSearchLimit hits or the end: one call is bounded (kMaxCandidates) and may
    // come back short with a cursor; a script wants the whole answer.
    auto future =
        store->run([text](core::StoreContext &context) -> core::StoreResult<core::SearchPage> {
            core::SearchPage all;
            core::MessageId before;
            for (;;) {
                auto page = core::SearchIndex(context).search(text, before,
                                                              kSearchLimit - int(all.hits.size()));
                if (std::holds_alternative<core::StoreError>(page)) {
                    return page;
                }
                auto &found = std::get<core::SearchPage>(page);
                for (auto &hit : found.hits) {
                    all.hits.push_back(std::move(hit));
                }
                before = found.nextBefore;
                if (!before.isValid() || int(all.hits.size()) >= kSearchLimit) {
                    return all;
                }
            }
        });
    core::whenFinished(future, this, [this](core::StoreResult<core::SearchPage> &result) {
        if (const auto *error = std::get_if<core::StoreError>(&result)) {
            fail(error->message());
            finish(kExitProfile);
            return;
        }
        for (const core::SearchHit &hit : std::get<core::SearchPage>(result).hits) {
            const bool mine = hit.direction == core::MessageRecord::Direction::Outgoing;
            const QString id = QString::fromLatin1(hit.clientMessageId.toHex());
            const QString from = mine ? QStringLiteral("you") : hit.contactAddress;
            m_output.print(
                QStringLiteral("search"),
                {{QStringLiteral("conversation"), hit.contactAddress},
                 {QStringLiteral("client_message_id"), id},
                 {QStringLiteral("from"), from},
                 {QStringLiteral("text"), hit.body},
                 {QStringLiteral("sent_at"), hit.sentAt}},
                QStringLiteral("%1 %2 %3: %4").arg(hit.contactAddress, id, from, hit.body));
        }
        finish(kExitOk);
    });
}

} // namespace parley::cli
