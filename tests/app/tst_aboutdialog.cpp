// The About dialog shows the one version (project(VERSION), as --version and the packages
// do), the Qt it runs on and the project's address; Close dismisses it.

#include "app/aboutdialog.h"
#include "protocol/version.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QTest>

using namespace parley::app;

class TestAboutDialog : public QObject
{
    Q_OBJECT

private slots:
    void showsTheProjectVersion();
    void closeDismisses();
};

void TestAboutDialog::showsTheProjectVersion()
{
    AboutDialog dialog;
    QCOMPARE(dialog.versionLine(),
             QStringLiteral("Parley %1").arg(QLatin1String(parley::kVersion)));
    QVERIFY2(dialog.qtLine().startsWith(QStringLiteral("Qt %1 ").arg(QLatin1String(qVersion()))),
             qPrintable(dialog.qtLine()));
    QVERIFY(dialog.qtLine().contains(QLatin1String(QT_VERSION_STR)));
    const auto *homepage = dialog.findChild<QLabel *>(QStringLiteral("aboutHomepage"));
    QVERIFY(homepage);
    QVERIFY(homepage->openExternalLinks());
    QVERIFY(homepage->text().contains(QLatin1String("https://github.com/parley-im/parley")));
    QCOMPARE(dialog.windowTitle(), QStringLiteral("About Parley"));
}

void TestAboutDialog::closeDismisses()
{
    AboutDialog dialog;
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *buttons = dialog.findChild<QDialogButtonBox *>();
    QVERIFY(buttons);
    QPushButton *close = buttons->button(QDialogButtonBox::Close);
    QVERIFY(close);
    QTest::mouseClick(close, Qt::LeftButton);
    QTRY_VERIFY(!dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
}

QTEST_MAIN(TestAboutDialog)
#include "tst_aboutdialog.moc"
