#pragma once

#include <QTextDocument>

namespace parley::app {

// A QTextDocument that never loads anything: a message is untrusted input, so an image,
// a style sheet or any other resource it names stays unloaded (issue 14, "without loading any
// resource"). fromMessage() builds the document a message row shows:
//  - the Markdown subset with QTextDocument::MarkdownNoHTML (HTML stays literal text);
//  - every image replaced by the text "[image: <target>]";
//  - every link whose text is not its own target followed by " (<target>)", so a deceptive
//    link ("[https://bank.example](https://evil.example)") shows where it really goes.
// loadResource() answers nothing, and resourceRequests() counts the times it was asked
// (a test checks that rendering a message asks for nothing).
class InertTextDocument : public QTextDocument
{
    Q_OBJECT

public:
    explicit InertTextDocument(QObject *parent = nullptr);

    // Replaces the content with `text` rendered as described above.
    void setMessageText(const QString &text);

    int resourceRequests() const { return m_resourceRequests; }
    // Total over every InertTextDocument of the process (for tests).
    static int totalResourceRequests();

protected:
    QVariant loadResource(int type, const QUrl &name) override;

private:
    void makeInert();

    int m_resourceRequests = 0;
};

} // namespace parley::app
