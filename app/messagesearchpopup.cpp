#include "app/messagesearchpopup.h"

#include "app/displaytime.h"
#include "app/listkeyforwarder.h"
#include "core/models/searchresultmodel.h"
#include "core/viewmodels/searchviewmodel.h"

#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QScrollBar>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace parley::app {

namespace {

using Results = core::SearchResultModel;

constexpr int kPauseMs = 150; // typing pauses this long before a query runs

// Two lines per match: who and when, then the message (elided). Paint only.
class ResultDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const override
    {
        return {option.rect.width(), 2 * option.fontMetrics.height() + 12};
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        QStyleOptionViewItem background = option;
        initStyleOption(&background, index);
        background.text.clear();
        option.widget->style()->drawControl(QStyle::CE_ItemViewItem, &background, painter,
                                            option.widget);
        const bool selected = option.state & QStyle::State_Selected;
        const QPalette &palette = option.palette;
        const QRect inner = option.rect.adjusted(8, 6, -8, -6);
        const int line = option.fontMetrics.height();
        const QString address = index.data(Results::ContactAddressRole).toString();
        const QDateTime at = index.data(Results::SentAtRole).toDateTime().toLocalTime();
        const QString who =
            index.data(Results::IncomingRole).toBool()
                ? address.section(u'@', 0, 0)
                : MessageSearchPopup::tr("You to %1").arg(address.section(u'@', 0, 0));
        const QString when =
            QLocale().toString(at.date(), QLocale::ShortFormat) + u' ' + shortTime(at.time());
        painter->save();
        QFont bold = option.font;
        bold.setWeight(QFont::DemiBold);
        painter->setFont(bold);
        painter->setPen(palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        const QRect top(inner.left(), inner.top(), inner.width(), line);
        painter->drawText(top, Qt::AlignLeft | Qt::AlignVCenter,
                          QFontMetrics(bold).elidedText(who, Qt::ElideRight, inner.width() / 2));
        painter->setFont(option.font);
        painter->setPen(selected ? palette.color(QPalette::HighlightedText)
                                 : palette.color(QPalette::PlaceholderText));
        painter->drawText(top, Qt::AlignRight | Qt::AlignVCenter, when);
        painter->setPen(palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        const QString body = index.data(Results::BodyRole).toString().simplified();
        painter->drawText(QRect(inner.left(), inner.top() + line, inner.width(), line),
                          Qt::AlignLeft | Qt::AlignVCenter,
                          option.fontMetrics.elidedText(body, Qt::ElideRight, inner.width()));
        painter->restore();
    }
};

} // namespace

MessageSearchPopup::MessageSearchPopup(core::SearchViewModel *search, QWidget *parent)
    : QDialog(parent, Qt::Popup)
    , m_search(search)
    , m_field(new QLineEdit(this))
    , m_status(new QLabel(this))
    , m_list(new QListView(this))
    , m_pause(new QTimer(this))
{
    setObjectName(QStringLiteral("messageSearch"));
    setAccessibleName(tr("Search messages"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    m_field->setObjectName(QStringLiteral("messageSearchField"));
    m_field->setAccessibleName(tr("Words to search for"));
    m_field->setPlaceholderText(tr("Search all messages…"));
    m_field->setClearButtonEnabled(true);
    layout->addWidget(m_field);
    m_status->setObjectName(QStringLiteral("messageSearchStatus"));
    m_status->setAccessibleName(tr("Search status"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_status);
    m_list->setObjectName(QStringLiteral("messageSearchResults"));
    m_list->setAccessibleName(tr("Matching messages"));
    m_list->setModel(search->results());
    m_list->setItemDelegate(new ResultDelegate(m_list));
    m_list->setUniformItemSizes(true);
    m_list->setFocusPolicy(Qt::NoFocus); // the field keeps the keyboard
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_list, 1);
    new ListKeyForwarder(m_field, m_list);
    m_pause->setSingleShot(true);
    m_pause->setInterval(kPauseMs);

    connect(m_field, &QLineEdit::textChanged, m_pause, qOverload<>(&QTimer::start));
    connect(m_pause, &QTimer::timeout, this, [this] { m_search->search(m_field->text()); });
    connect(m_field, &QLineEdit::returnPressed, this, [this] {
        if (m_pause->isActive()) {
            m_pause->stop();
            m_search->search(m_field->text()); // Enter before the pause: search now
        } else {
            chooseCurrent();
        }
    });
    connect(m_list, &QListView::clicked, this, [this](const QModelIndex &index) {
        m_list->setCurrentIndex(index);
        chooseCurrent();
    });
    // The first match is highlighted as soon as there is one.
    connect(search->results(), &QAbstractItemModel::rowsInserted, this, [this] {
        if (!m_list->currentIndex().isValid()) {
            m_list->setCurrentIndex(m_list->model()->index(0, 0));
        }
    });
    // Older matches when the list is scrolled to its end.
    connect(m_list->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (value == m_list->verticalScrollBar()->maximum() && m_search->hasMore()) {
            m_search->loadMore();
        }
    });
    connect(search, &core::SearchViewModel::busyChanged, this, &MessageSearchPopup::showStatus);
    connect(search, &core::SearchViewModel::noticeTextChanged, this,
            &MessageSearchPopup::showStatus);
    connect(search, &core::SearchViewModel::errorTextChanged, this,
            &MessageSearchPopup::showStatus);
    connect(search, &core::SearchViewModel::finished, this, &MessageSearchPopup::showStatus);

    if (parent != nullptr) {
        const int width = std::clamp(parent->width() * 2 / 3, 360, 680);
        resize(width, 420);
        const QPoint topCentre = parent->mapToGlobal(QPoint(parent->width() / 2, 0));
        move(topCentre.x() - width / 2, topCentre.y() + 40);
    }
    m_field->setText(search->query());
    m_field->selectAll();
    m_field->setFocus();
    showStatus();
}

void MessageSearchPopup::showStatus()
{
    QString text;
    if (!m_search->errorText().isEmpty()) {
        text = m_search->errorText();
    } else if (m_search->isBusy()) {
        text = tr("Searching…");
    } else if (!m_search->noticeText().isEmpty()) {
        text = m_search->noticeText();
    } else if (!m_search->query().trimmed().isEmpty() && m_list->model()->rowCount() == 0) {
        text = tr("No messages found");
    }
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}

void MessageSearchPopup::chooseCurrent()
{
    const QModelIndex current = m_list->currentIndex();
    if (!current.isValid()) {
        return; // nothing matches: stay open, the user may correct the text
    }
    emit messageChosen(current.data(Results::ContactAddressRole).toString(),
                       current.data(Results::MessageIdRole).toLongLong());
    accept();
}

} // namespace parley::app
