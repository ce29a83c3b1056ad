#pragma once

// The whole app over a real core, for the app suites that sign in to a real relay: the
// ClientCore, the view models main() makes, and the main window, with the lowest vault
// strength (tests) and the relay URL the test's relay listens on.

#include "app/mainwindow.h"
#include "core/clientcore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "crypto/keyvault.h"

#include <QString>
#include <QUrl>

namespace parley::test {

struct AppHost
{
    AppHost(const QString &profile, const QUrl &relay)
        : connection(core.relayConnection())
        , onboarding(&core, profile)
        , window(&core, &connection, &onboarding, QStringLiteral("alice"))
    {
        onboarding.setVaultParameters(crypto::VaultParameters::minimum());
        onboarding.setRelayUrlOverride(relay);
    }

    core::ClientCore core;
    core::ConnectionViewModel connection;
    core::OnboardingViewModel onboarding;
    app::MainWindow window;
};

} // namespace parley::test
