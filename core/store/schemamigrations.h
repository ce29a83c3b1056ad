#pragma once

#include "core/store/storeerror.h"

namespace parley::core {

class StoreContext;

// The client database's schema history. PRAGMA user_version is the schema version; migrate()
// applies one step per version, in order, in one transaction (a fall-through switch, as in
// the relay's SqliteStore). The caller has already refused a database newer than kVersion.
//
// The tables of each version, and which of their columns are encrypted with the profile key,
// are documented in docs/architecture.md ("The profile store"). Every past version has a
// fixture under tests/core/fixtures/ that tst_storemigrations opens with this build.
// migrate() is schemamigrations.cpp; the steps live in files by groups of versions
// (schemamigrations_v1to6.cpp, _v7to12.cpp, _v13to14.cpp, _v15.cpp, _v16.cpp, _v17.cpp, _v18.cpp,
// _v19.cpp),
// each step self-contained.
class SchemaMigrations
{
public:
    static constexpr int kVersion = 19;

    static StoreStatus migrate(StoreContext &context);

private:
    static StoreStatus migrateTo1(StoreContext &context);
    static StoreStatus migrateTo2(StoreContext &context);
    static StoreStatus migrateTo3(StoreContext &context);
    static StoreStatus migrateTo4(StoreContext &context);
    static StoreStatus migrateTo5(StoreContext &context);
    static StoreStatus migrateTo6(StoreContext &context);
    static StoreStatus migrateTo7(StoreContext &context);
    static StoreStatus migrateTo8(StoreContext &context);
    static StoreStatus migrateTo9(StoreContext &context);
    static StoreStatus migrateTo10(StoreContext &context);
    static StoreStatus migrateTo11(StoreContext &context);
    static StoreStatus migrateTo12(StoreContext &context);
    static StoreStatus migrateTo13(StoreContext &context);
    static StoreStatus migrateTo14(StoreContext &context);
    static StoreStatus migrateTo15(StoreContext &context);
    static StoreStatus migrateTo16(StoreContext &context);
    static StoreStatus migrateTo17(StoreContext &context);
    static StoreStatus migrateTo18(StoreContext &context);
    static StoreStatus migrateTo19(StoreContext &context);
};

} // namespace parley::core
