#include "core/store/schemamigrations.h"

#include "core/store/storecontext.h"

#include <QLoggingCategory>
#include <QSqlQuery>

Q_DECLARE_LOGGING_CATEGORY(lcStore)

namespace parley::core {

StoreStatus SchemaMigrations::migrate(StoreContext &context)
{
    QSqlQuery query(context.database());
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
        return StoreContext::queryError(query);
    }
    const int from = query.value(0).toInt();
    query.finish();
    if (from == kVersion) {
        return Done{};
    }
    if (from > kVersion) {
        // StoreContext::openDatabase refuses these before writing; this is a second guard.
        return StoreError{StoreError::Code::DatabaseNewer, {}};
    }
    // Rebuilding a table that others reference (migrateTo14) needs foreign keys off: dropping
    // the old table would otherwise cascade into its children (sqlite.org/lang_altertable.html
    // §7). The pragma is a no-op inside a transaction, so it is set around it; each rebuilding
    // step runs PRAGMA foreign_key_check before it returns.
    if (auto error = context.exec(QStringLiteral("PRAGMA foreign_keys = OFF"))) {
        return *error;
    }
    StoreStatus result = context.transaction([&]() -> StoreStatus {
        // One step per version, in order (STYLE.md, "Schema migrations").
        switch (from) {
        case 0:
            if (auto step = migrateTo1(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 1:
            if (auto step = migrateTo2(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 2:
            if (auto step = migrateTo3(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 3:
            if (auto step = migrateTo4(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 4:
            if (auto step = migrateTo5(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 5:
            if (auto step = migrateTo6(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 6:
            if (auto step = migrateTo7(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 7:
            if (auto step = migrateTo8(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 8:
            if (auto step = migrateTo9(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 9:
            if (auto step = migrateTo10(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 10:
            if (auto step = migrateTo11(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 11:
            if (auto step = migrateTo12(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 12:
            if (auto step = migrateTo13(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 13:
            if (auto step = migrateTo14(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 14:
            if (auto step = migrateTo15(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 15:
            if (auto step = migrateTo16(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 16:
            if (auto step = migrateTo17(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 17:
            if (auto step = migrateTo18(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        case 18:
            if (auto step = migrateTo19(context); std::holds_alternative<StoreError>(step)) {
                return step;
            }
            [[fallthrough]];
        default:
            break;
        }
        if (auto error = context.exec(QStringLiteral("PRAGMA user_version = %1").arg(kVersion))) {
            return *error;
        }
        return Done{};
    });
    if (auto error = context.exec(QStringLiteral("PRAGMA foreign_keys = ON"))) {
        return *error;
    }
    if (std::holds_alternative<Done>(result)) {
        qCInfo(lcStore) << "migrated the profile database from version" << from << "to" << kVersion;
    }
    return result;
}

} // namespace parley::core
