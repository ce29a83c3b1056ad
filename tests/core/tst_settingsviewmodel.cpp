// SettingsViewModel on a real profile, with "remember on this computer" against a real
// Secret Service: run-with-keyring.sh starts a private D-Bus session with an unlocked
// gnome-keyring for this test (CTest does that).

#include "core/store/profilekeychain.h"
#include "core/store/profilesession.h"
#include "core/store/profilesettings.h"
#include "core/viewmodels/settingsviewmodel.h"
#include "modeltesthelpers.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
using Strength = OnboardingViewModel::PassphraseStrength;

class TestSettingsViewModel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void changePassphrase();
    void autoLockIsSavedAndApplied();
    void notificationSettingsAreSaved();
    void disappearingDefaultIsSaved();
    void exportRefusesBadInput();
    void rememberOnThisComputer();
};

void TestSettingsViewModel::initTestCase()
{
    QVERIFY2(qEnvironmentVariable("PARLEY_KEYRING_SESSION") == QStringLiteral("1"),
             "needs a private keyring session: run through CTest "
             "(tests/core/run-with-keyring.sh)");
}

void TestSettingsViewModel::changePassphrase()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    SettingsViewModel settings(profile.store, nullptr);
    settings.setVaultParameters(parley::crypto::VaultParameters::minimum());
    const QString fresh = QStringLiteral("a much longer and different passphrase");

    // Refused before anything runs.
    QVERIFY(!settings.changePassphrase({}, fresh, fresh));
    QCOMPARE(settings.errorText(), u"Type your current passphrase."_qs);
    QVERIFY(!settings.changePassphrase(kPassphrase, {}, {}));
    QVERIFY(settings.errorText().startsWith(u"Choose a new passphrase"_qs));
    QVERIFY(!settings.changePassphrase(kPassphrase, fresh, fresh + u"x"_qs));
    QCOMPARE(settings.errorText(), u"The two new passphrases are not the same."_qs);
    QVERIFY(!settings.changePassphrase(kPassphrase, kPassphrase, kPassphrase));
    QCOMPARE(settings.errorText(), u"The new passphrase is the same as the current one."_qs);
    QVERIFY(!settings.isBusy());

    // A wrong current passphrase changes nothing.
    const auto before = fileHashes(profile.directory.path());
    QVERIFY(settings.changePassphrase(u"not the passphrase"_qs, fresh, fresh));
    QVERIFY(settings.isBusy());
    QVERIFY(!settings.changePassphrase(kPassphrase, fresh, fresh)); // one at a time
    QTRY_VERIFY_WITH_TIMEOUT(!settings.isBusy(), 20'000);
    QCOMPARE(settings.errorText(), u"That passphrase is not right for this profile."_qs);
    QCOMPARE(fileHashes(profile.directory.path())[QString::fromLatin1(ProfileStore::kVaultFile)],
             before[QString::fromLatin1(ProfileStore::kVaultFile)]);

    QSignalSpy changedPassphrase(&settings, &SettingsViewModel::passphraseChanged);
    QVERIFY(settings.changePassphrase(kPassphrase, fresh, fresh));
    QVERIFY(changedPassphrase.wait(20'000));
    QVERIFY(!settings.isBusy());
    QVERIFY(settings.errorText().isEmpty());
    QCOMPARE(settings.noticeText(), u"Your passphrase was changed."_qs);
    settings.clearMessages();
    QVERIFY(settings.noticeText().isEmpty());

    ProfileStore reopened(profile.directory.path());
    QCOMPARE(errorCode(take(reopened.unlock(passphrase()))), StoreError::Code::WrongPassphrase);
    QVERIFY(succeeded(take(reopened.unlock(passphrase(fresh)))));

    // The same strength hint as onboarding.
    QSignalSpy hint(&settings, &SettingsViewModel::passphraseHintChanged);
    settings.setPassphraseDraft(u"short"_qs);
    QCOMPARE(settings.passphraseStrength(), Strength::Weak);
    QCOMPARE(settings.passphraseHint(), OnboardingViewModel::hintFor(Strength::Weak));
    settings.setPassphraseDraft(u"four unrelated words here"_qs);
    QCOMPARE(settings.passphraseStrength(), Strength::Strong);
    QCOMPARE(hint.size(), 2);
}

void TestSettingsViewModel::autoLockIsSavedAndApplied()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    ProfileSession session(*profile.store, std::chrono::milliseconds(0));
    {
        SettingsViewModel settings(profile.store, &session);
        QCOMPARE(settings.autoLockMinutes(), 0);
        QSignalSpy changed(&settings, &SettingsViewModel::changed);
        settings.setAutoLockMinutes(5);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(settings.autoLockMinutes(), 5);
        QCOMPARE(session.idleTimeout(), std::chrono::minutes(5));
        QCOMPARE(std::get<ProfileSettings>(ProfileSettings::load(profile.directory.path()))
                     .autoLockMinutes(),
                 5);
        settings.setAutoLockMinutes(100'000); // clamped to a day
        QCOMPARE(settings.autoLockMinutes(), ProfileSettings::kMaxAutoLockMinutes);
        settings.setAutoLockMinutes(-3);
        QCOMPARE(settings.autoLockMinutes(), 0);
        QCOMPARE(session.idleTimeout(), std::chrono::minutes(0));
        settings.setAutoLockMinutes(15);
    }
    // Read back by the next settings view (and applied to its session).
    ProfileSession next(*profile.store, std::chrono::milliseconds(0));
    SettingsViewModel settings(profile.store, &next);
    QCOMPARE(settings.autoLockMinutes(), 15);
    QCOMPARE(next.idleTimeout(), std::chrono::minutes(15));
}

void TestSettingsViewModel::notificationSettingsAreSaved()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    {
        SettingsViewModel settings(profile.store, nullptr);
        QVERIFY(settings.notificationsEnabled()); // both on by default
        QVERIFY(settings.showMessageText());
        QSignalSpy changed(&settings, &SettingsViewModel::changed);
        settings.setShowMessageText(false);
        settings.setShowMessageText(false); // no change, no signal
        settings.setNotificationsEnabled(false);
        QCOMPARE(changed.size(), 2);
        const auto saved = ProfileSettings::load(profile.directory.path());
        QVERIFY(!std::get<ProfileSettings>(saved).notificationShowsText());
        QVERIFY(!std::get<ProfileSettings>(saved).notificationsEnabled());
    }
    SettingsViewModel settings(profile.store, nullptr);
    QVERIFY(!settings.showMessageText());
    QVERIFY(!settings.notificationsEnabled());
    settings.setNotificationsEnabled(true);
    QVERIFY(std::get<ProfileSettings>(ProfileSettings::load(profile.directory.path()))
                .notificationsEnabled());
}

void TestSettingsViewModel::disappearingDefaultIsSaved()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    {
        SettingsViewModel settings(profile.store, nullptr);
        QCOMPARE(settings.defaultDisappearingSeconds(), 0); // off by default
        QVERIFY(SettingsViewModel::timerChoices().startsWith(0));
        QSignalSpy changed(&settings, &SettingsViewModel::changed);
        settings.setDefaultDisappearingSeconds(3600);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(settings.noticeText(),
                 u"New conversations start with disappearing messages: 1 hour."_qs);
        // Not a timer M1 §6 allows: refused, the saved one stays.
        settings.setDefaultDisappearingSeconds(3);
        QVERIFY(settings.errorText().startsWith(u"Disappearing messages take a time"_qs));
        settings.setDefaultDisappearingSeconds(5 * 7 * 24 * 3600);
        QCOMPARE(settings.defaultDisappearingSeconds(), 3600);
        QCOMPARE(std::get<ProfileSettings>(ProfileSettings::load(profile.directory.path()))
                     .defaultTimerSeconds(),
                 3600u);
    }
    SettingsViewModel settings(profile.store, nullptr);
    QCOMPARE(settings.defaultDisappearingSeconds(), 3600);
    settings.setDefaultDisappearingSeconds(0);
    QCOMPARE(settings.noticeText(), u"New conversations start without disappearing messages."_qs);
    QCOMPARE(std::get<ProfileSettings>(ProfileSettings::load(profile.directory.path()))
                 .defaultTimerSeconds(),
             0u);
}

void TestSettingsViewModel::exportRefusesBadInput()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    SettingsViewModel settings(profile.store, nullptr);
    settings.setVaultParameters(parley::crypto::VaultParameters::minimum());
    const QString file = profile.directory.filePath(u"backup.parley"_qs);
    const QString passphrase = u"a passphrase for the backup"_qs;
    QVERIFY(!settings.exportHistory({}, passphrase, passphrase));
    QCOMPARE(settings.errorText(), u"Choose the file to save the backup in."_qs);
    QVERIFY(!settings.exportHistory(file, {}, {}));
    QVERIFY(settings.errorText().startsWith(u"Choose a passphrase for the backup"_qs));
    QVERIFY(!settings.exportHistory(file, passphrase, passphrase + u"x"_qs));
    QCOMPARE(settings.errorText(), u"The two backup passphrases are not the same."_qs);
    QVERIFY(!settings.exportHistory(profile.directory.filePath(u"missing/backup.parley"_qs),
                                    passphrase, passphrase));
    QVERIFY(settings.errorText().startsWith(u"The folder "_qs));
    QVERIFY(!settings.isBusy());
    QVERIFY(!QFileInfo::exists(file));

    // The strength hint of the backup's passphrase is its own.
    QSignalSpy hint(&settings, &SettingsViewModel::archivePassphraseHintChanged);
    settings.setArchivePassphraseDraft(u"short"_qs);
    QCOMPARE(settings.archivePassphraseStrength(), Strength::Weak);
    QCOMPARE(settings.passphraseStrength(), Strength::Empty);
    QCOMPARE(hint.size(), 1);
}

void TestSettingsViewModel::rememberOnThisComputer()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    SettingsViewModel settings(profile.store, nullptr);
    QVERIFY(!settings.rememberOnThisComputer());

    settings.setRememberOnThisComputer(true);
    QVERIFY(settings.isBusy());
    QTRY_VERIFY_WITH_TIMEOUT(!settings.isBusy(), 20'000);
    QVERIFY2(settings.errorText().isEmpty(), qPrintable(settings.errorText()));
    QVERIFY(settings.rememberOnThisComputer());
    QVERIFY(std::get<ProfileSettings>(ProfileSettings::load(profile.directory.path()))
                .isKeyRemembered());
    // The keychain holds the very profile key.
    auto recalled = ProfileKeychain(profile.directory.path()).recall();
    QTRY_VERIFY_WITH_TIMEOUT(recalled.isFinished(), 20'000);
    const auto key = recalled.result();
    QVERIFY(std::holds_alternative<std::shared_ptr<const parley::crypto::SecureBytes>>(key));
    ProfileStore other(profile.directory.path());
    QVERIFY(succeeded(take(other.unlockWithProfileKey(
        std::get<std::shared_ptr<const parley::crypto::SecureBytes>>(key)))));

    settings.setRememberOnThisComputer(false);
    QTRY_VERIFY_WITH_TIMEOUT(!settings.isBusy(), 20'000);
    QVERIFY(!settings.rememberOnThisComputer());
    QCOMPARE(settings.noticeText(), u"This computer no longer remembers the key."_qs);
    QVERIFY(!std::get<ProfileSettings>(ProfileSettings::load(profile.directory.path()))
                 .isKeyRemembered());

    // A locked profile cannot hand its key to the keychain: a sentence, and no change.
    QVERIFY(succeeded(take(profile.store->lock())));
    settings.setRememberOnThisComputer(true);
    QTRY_VERIFY_WITH_TIMEOUT(!settings.isBusy(), 20'000);
    QVERIFY(!settings.rememberOnThisComputer());
    QVERIFY(!settings.errorText().isEmpty());
}

QTEST_GUILESS_MAIN(TestSettingsViewModel)
#include "tst_settingsviewmodel.moc"
