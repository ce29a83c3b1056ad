#include "app/inerttextdocument.h"

#include <QRegularExpression>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextOption>
#include <QUrl>

#include <atomic>
#include <vector>

namespace parley::app {

namespace {

std::atomic<int> g_resourceRequests{0};

// The link text already says where it goes: "https://x.example" for https://x.example,
// "x.example/a" for http://x.example/a, "bob@x.example" for mailto:bob@x.example.
bool textShowsTarget(const QString &text, const QString &href)
{
    const QString shown = text.trimmed();
    if (shown == href) {
        return true;
    }
    const QUrl url(href);
    if (url.scheme() == QLatin1String("mailto")) {
        return shown == url.path();
    }
    QString bare = href;
    bare.remove(QRegularExpression(QStringLiteral("^[a-zA-Z][a-zA-Z0-9+.-]*://")));
    return shown == bare || shown + QLatin1Char('/') == bare;
}

} // namespace

InertTextDocument::InertTextDocument(QObject *parent)
    : QTextDocument(parent)
{
    setUndoRedoEnabled(false);
    setDocumentMargin(0);
    // A long word (a URL, a hash) breaks anywhere rather than overflowing its bubble.
    QTextOption option = defaultTextOption();
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setDefaultTextOption(option);
}

int InertTextDocument::totalResourceRequests()
{
    return g_resourceRequests.load();
}

QVariant InertTextDocument::loadResource(int /*type*/, const QUrl & /*name*/)
{
    ++m_resourceRequests;
    ++g_resourceRequests;
    return {};
}

void InertTextDocument::setMessageText(const QString &text)
{
    setMarkdown(text, QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub |
                                                      QTextDocument::MarkdownNoHTML));
    makeInert();
}

void InertTextDocument::makeInert()
{
    struct Span
    {
        int position;
        int length;
        bool image;
        QString target;
    };
    std::vector<Span> spans;
    for (QTextBlock block = begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (!fragment.isValid()) {
                continue;
            }
            const QTextCharFormat format = fragment.charFormat();
            if (format.isImageFormat()) {
                spans.push_back(
                    {fragment.position(), fragment.length(), true, format.toImageFormat().name()});
            } else if (format.isAnchor() && !format.anchorHref().isEmpty()) {
                // Adjacent fragments of one link (e.g. partly bold) are one span.
                if (!spans.empty() && !spans.back().image &&
                    spans.back().target == format.anchorHref() &&
                    spans.back().position + spans.back().length == fragment.position()) {
                    spans.back().length += fragment.length();
                } else {
                    spans.push_back(
                        {fragment.position(), fragment.length(), false, format.anchorHref()});
                }
            }
        }
    }
    // Back to front, so earlier positions stay valid.
    for (auto span = spans.rbegin(); span != spans.rend(); ++span) {
        QTextCursor cursor(this);
        cursor.setPosition(span->position);
        cursor.setPosition(span->position + span->length, QTextCursor::KeepAnchor);
        if (span->image) {
            cursor.insertText(tr("[image: %1]").arg(span->target), QTextCharFormat());
        } else if (!textShowsTarget(cursor.selectedText(), span->target)) {
            cursor.clearSelection();
            cursor.setPosition(span->position + span->length);
            cursor.insertText(QStringLiteral(" (%1)").arg(span->target), QTextCharFormat());
        }
    }
}

} // namespace parley::app
