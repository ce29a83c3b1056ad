<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>GroupEvent</name>
    <message>
        <source>you</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>The group “%1” was created.</source>
        <translation>Die Gruppe „%1“ wurde erstellt.</translation>
    </message>
    <message>
        <source>%1 created the group “%2”.</source>
        <translation>%1 hat die Gruppe „%2“ erstellt.</translation>
    </message>
    <message>
        <source>You joined the group.</source>
        <translation>Sie sind der Gruppe beigetreten.</translation>
    </message>
    <message>
        <source>%1 added %2.</source>
        <translation>%1 hat %2 hinzugefügt.</translation>
    </message>
    <message>
        <source>%1 left the group.</source>
        <translation>%1 hat die Gruppe verlassen.</translation>
    </message>
    <message>
        <source>No longer in the group: %1.</source>
        <translation>Nicht mehr in der Gruppe: %1.</translation>
    </message>
    <message>
        <source>%1 removed %2.</source>
        <translation>%1 hat %2 entfernt.</translation>
    </message>
    <message>
        <source>Now an admin: %1.</source>
        <translation>Jetzt Admin: %1.</translation>
    </message>
    <message>
        <source>%1 made %2 an admin.</source>
        <translation>%1 hat %2 zum Admin gemacht.</translation>
    </message>
    <message>
        <source>The group is now called “%1”.</source>
        <translation>Die Gruppe heißt jetzt „%1“.</translation>
    </message>
    <message>
        <source>%1 renamed the group to “%2”.</source>
        <translation>%1 hat die Gruppe in „%2“ umbenannt.</translation>
    </message>
    <message>
        <source>The group changed.</source>
        <translation>Die Gruppe wurde geändert.</translation>
    </message>
    <message>
        <source>You created the group “%1”.</source>
        <translation>Sie haben die Gruppe „%1“ erstellt.</translation>
    </message>
    <message>
        <source>You added %1.</source>
        <translation>Sie haben %1 hinzugefügt.</translation>
    </message>
    <message>
        <source>You left the group.</source>
        <translation>Sie haben die Gruppe verlassen.</translation>
    </message>
    <message>
        <source>You removed %1.</source>
        <translation>Sie haben %1 entfernt.</translation>
    </message>
    <message>
        <source>You made %1 an admin.</source>
        <translation>Sie haben %1 zum Admin gemacht.</translation>
    </message>
    <message>
        <source>You renamed the group to “%1”.</source>
        <translation>Sie haben die Gruppe in „%1“ umbenannt.</translation>
    </message>
    <message>
        <source>No longer an admin: %1.</source>
        <translation>Nicht mehr Admin: %1.</translation>
    </message>
    <message numerus="yes">
        <source>%n more</source>
        <translation>
            <numerusform>%n weitere Person</numerusform>
            <numerusform>%n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>Now in the group: %1.</source>
        <translation>Jetzt in der Gruppe: %1.</translation>
    </message>
</context>
<context>
    <name>MessageFailure</name>
    <message>
        <source>Not sent: the recipient&apos;s account or device no longer exists.</source>
        <translation>Nicht gesendet: Das Konto oder Gerät des Empfängers existiert nicht mehr.</translation>
    </message>
    <message>
        <source>Not sent: the relay refused the message.</source>
        <translation>Nicht gesendet: Das Relay hat die Nachricht abgelehnt.</translation>
    </message>
    <message>
        <source>Not sent: the message is too large for the relay.</source>
        <translation>Nicht gesendet: Die Nachricht ist zu groß für das Relay.</translation>
    </message>
    <message>
        <source>Not sent: the recipient is not on this relay.</source>
        <translation>Nicht gesendet: Der Empfänger ist nicht auf diesem Relay.</translation>
    </message>
</context>
<context>
    <name>ProfileKeychain</name>
    <message>
        <source>There is no Parley profile in this folder.</source>
        <translation>In diesem Ordner gibt es kein Parley-Profil.</translation>
    </message>
    <message>
        <source>This profile is not remembered on this computer; unlock it with your passphrase.</source>
        <translation>Dieses Profil ist auf diesem Computer nicht gespeichert; entsperren Sie es mit Ihrer Passphrase.</translation>
    </message>
    <message>
        <source>The system keychain did not give Parley this profile&apos;s key (it may be locked); unlock with your passphrase.</source>
        <translation>Der Systemschlüsselbund hat Parley den Schlüssel dieses Profils nicht gegeben (vielleicht ist er gesperrt); entsperren Sie mit Ihrer Passphrase.</translation>
    </message>
    <message>
        <source>The system keychain refused access to this profile&apos;s key.</source>
        <translation>Der Systemschlüsselbund hat den Zugriff auf den Schlüssel dieses Profils verweigert.</translation>
    </message>
    <message>
        <source>This computer has no system keychain Parley can use, so the profile cannot be remembered; use your passphrase.</source>
        <translation>Dieser Computer hat keinen Systemschlüsselbund, den Parley nutzen kann, daher kann das Profil nicht gespeichert werden; verwenden Sie Ihre Passphrase.</translation>
    </message>
    <message>
        <source>The system keychain failed; use your passphrase.</source>
        <translation>Der Systemschlüsselbund meldet einen Fehler; verwenden Sie Ihre Passphrase.</translation>
    </message>
</context>
<context>
    <name>StoreError</name>
    <message>
        <source>There is no Parley profile in this folder.</source>
        <translation>In diesem Ordner gibt es kein Parley-Profil.</translation>
    </message>
    <message>
        <source>This folder already holds a Parley profile (or part of one); choose another folder.</source>
        <translation>Dieser Ordner enthält bereits ein Parley-Profil (oder Teile davon); wählen Sie einen anderen Ordner.</translation>
    </message>
    <message>
        <source>That passphrase is not right for this profile.</source>
        <translation>Diese Passphrase passt nicht zu diesem Profil.</translation>
    </message>
    <message>
        <source>The key remembered on this computer does not belong to this profile; unlock it with your passphrase.</source>
        <translation>Der auf diesem Computer gespeicherte Schlüssel gehört nicht zu diesem Profil; entsperren Sie es mit Ihrer Passphrase.</translation>
    </message>
    <message>
        <source>The profile&apos;s key file (profile.vault) is damaged, so the profile cannot be opened. Restore it from a backup.</source>
        <translation>Die Schlüsseldatei des Profils (profile.vault) ist beschädigt, daher kann das Profil nicht geöffnet werden. Stellen Sie sie aus einer Sicherung wieder her.</translation>
    </message>
    <message>
        <source>There was not enough memory to check the passphrase; close other programs and try again.</source>
        <translation>Es war nicht genug Arbeitsspeicher frei, um die Passphrase zu prüfen; schließen Sie andere Programme und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The profile&apos;s key file was written by a newer Parley; update Parley to open it.</source>
        <translation>Die Schlüsseldatei des Profils wurde von einer neueren Parley-Version geschrieben; aktualisieren Sie Parley, um sie zu öffnen.</translation>
    </message>
    <message>
        <source>The profile&apos;s database (profile.sqlite) is missing, so its messages and contacts cannot be opened.</source>
        <translation>Die Datenbank des Profils (profile.sqlite) fehlt, daher können seine Nachrichten und Kontakte nicht geöffnet werden.</translation>
    </message>
    <message>
        <source>This profile was last used by a newer version of Parley; update Parley to open it. Nothing was changed.</source>
        <translation>Dieses Profil wurde zuletzt mit einer neueren Version von Parley verwendet; aktualisieren Sie Parley, um es zu öffnen. Es wurde nichts verändert.</translation>
    </message>
    <message>
        <source>Parley could not read or write the profile&apos;s database.</source>
        <translation>Parley konnte die Datenbank des Profils nicht lesen oder schreiben.</translation>
    </message>
    <message>
        <source>The profile is locked; unlock it to continue.</source>
        <translation>Das Profil ist gesperrt; entsperren Sie es, um fortzufahren.</translation>
    </message>
    <message>
        <source>That item does not exist in this profile.</source>
        <translation>Dieser Eintrag existiert in diesem Profil nicht.</translation>
    </message>
    <message>
        <source>This item could not be decrypted. It has been kept, not deleted.</source>
        <translation>Dieser Eintrag konnte nicht entschlüsselt werden. Er wurde aufbewahrt, nicht gelöscht.</translation>
    </message>
    <message>
        <source>Unknown profile store error.</source>
        <translation>Unbekannter Fehler im Profilspeicher.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>cannot create the profile directory %1</source>
        <translation>das Profilverzeichnis %1 kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>this profile is already open; its window was raised</source>
        <translation>dieses Profil ist bereits geöffnet; sein Fenster wurde nach vorn geholt</translation>
    </message>
    <message>
        <source>%1 (see --help)</source>
        <translation>%1 (siehe --help)</translation>
    </message>
</context>
<context>
    <name>parley::app::AboutDialog</name>
    <message>
        <source>About Parley</source>
        <translation>Über Parley</translation>
    </message>
    <message>
        <source>Parley %1</source>
        <translation>Parley %1</translation>
    </message>
    <message>
        <source>End-to-end encrypted messaging. Your messages are encrypted on this computer and decrypted only on the devices of the people they are for.</source>
        <translation>Ende-zu-Ende-verschlüsselte Nachrichten. Ihre Nachrichten werden auf diesem Computer verschlüsselt und erst auf den Geräten der Menschen entschlüsselt, für die sie bestimmt sind.</translation>
    </message>
    <message>
        <source>Qt %1 (built with %2)</source>
        <translation>Qt %1 (erstellt mit %2)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
</context>
<context>
    <name>parley::app::AddContactDialog</name>
    <message>
        <source>Add a contact</source>
        <translation>Kontakt hinzufügen</translation>
    </message>
    <message>
        <source>Type the username of the person you want to write to, or user@relay for someone on another relay.</source>
        <translation>Geben Sie den Benutzernamen der Person ein, der Sie schreiben möchten, oder benutzer@relay für jemanden auf einem anderen Relay.</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>username or user@relay</source>
        <translation>benutzername oder benutzer@relay</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Looking up %1…</source>
        <translation>%1 wird gesucht …</translation>
    </message>
</context>
<context>
    <name>parley::app::CameraScanner</name>
    <message>
        <source>No camera was found.</source>
        <translation>Es wurde keine Kamera gefunden.</translation>
    </message>
    <message>
        <source>The camera cannot be used: %1</source>
        <translation>Die Kamera kann nicht verwendet werden: %1</translation>
    </message>
    <message>
        <source>Camera scanning is not available: %1</source>
        <translation>Das Scannen mit der Kamera ist nicht verfügbar: %1</translation>
    </message>
    <message>
        <source>Camera scanning is not installed.</source>
        <translation>Das Scannen mit der Kamera ist nicht installiert.</translation>
    </message>
</context>
<context>
    <name>parley::app::ChatView</name>
    <message>
        <source>Verify…</source>
        <translation>Überprüfen …</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Kontakt</translation>
    </message>
    <message>
        <source>Verify the safety number</source>
        <translation>Sicherheitsnummer überprüfen</translation>
    </message>
    <message>
        <source>Compare the safety number with your contact</source>
        <translation>Vergleichen Sie die Sicherheitsnummer mit Ihrem Kontakt</translation>
    </message>
    <message>
        <source>Safety number changed</source>
        <translation>Sicherheitsnummer geändert</translation>
    </message>
    <message>
        <source>Notice</source>
        <translation>Hinweis</translation>
    </message>
    <message>
        <source>Typing</source>
        <translation>Tippanzeige</translation>
    </message>
    <message>
        <source>Why sending is blocked</source>
        <translation>Warum das Senden gesperrt ist</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Insert an emoji</source>
        <translation>Emoji einfügen</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 schreibt …</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>Prüfen</translation>
    </message>
    <message>
        <source>Review / Accept</source>
        <translation>Prüfen / Annehmen</translation>
    </message>
    <message>
        <source>Review the new safety number</source>
        <translation>Neue Sicherheitsnummer prüfen</translation>
    </message>
    <message>
        <source>Review and accept the new safety number</source>
        <translation>Neue Sicherheitsnummer prüfen und annehmen</translation>
    </message>
    <message>
        <source>✓ Verified</source>
        <translation>✓ Überprüft</translation>
    </message>
    <message>
        <source>Reply or edit</source>
        <translation>Antworten oder bearbeiten</translation>
    </message>
    <message>
        <source>Cancel (Esc)</source>
        <translation>Abbrechen (Esc)</translation>
    </message>
    <message>
        <source>Cancel the reply or edit</source>
        <translation>Antwort oder Bearbeitung abbrechen</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Delete for everyone</source>
        <translation>Für alle löschen</translation>
    </message>
    <message>
        <source>Delete this message for everyone? It is wiped on your contact&apos;s devices too, and cannot be undone.</source>
        <translation>Diese Nachricht für alle löschen? Sie wird auch auf den Geräten Ihres Kontakts gelöscht und kann nicht wiederhergestellt werden.</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>Annehmen</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>Blockieren</translation>
    </message>
    <message>
        <source>Unblock</source>
        <translation>Nicht mehr blockieren</translation>
    </message>
    <message>
        <source>Message request</source>
        <translation>Nachrichtenanfrage</translation>
    </message>
    <message>
        <source>Accept the message request</source>
        <translation>Nachrichtenanfrage annehmen</translation>
    </message>
    <message>
        <source>Delete the message request</source>
        <translation>Nachrichtenanfrage löschen</translation>
    </message>
    <message>
        <source>Block this contact</source>
        <translation>Diesen Kontakt blockieren</translation>
    </message>
    <message>
        <source>Unblock this contact</source>
        <translation>Diesen Kontakt nicht mehr blockieren</translation>
    </message>
    <message>
        <source>You blocked %1. Their messages are dropped as they arrive.</source>
        <translation>Sie haben %1 blockiert. Nachrichten von dort werden beim Eintreffen verworfen.</translation>
    </message>
    <message>
        <source>%1 is not in your contacts. They will not know you have read their messages until you accept.</source>
        <translation>%1 ist nicht in Ihren Kontakten. %1 erfährt erst, dass Sie die Nachrichten gelesen haben, wenn Sie annehmen.</translation>
    </message>
    <message>
        <source>Save the file</source>
        <translation>Datei speichern</translation>
    </message>
    <message>
        <source>File transfer</source>
        <translation>Dateiübertragung</translation>
    </message>
    <message>
        <source>Send a file (or drop it on the chat)</source>
        <translation>Datei senden (oder auf den Chat ziehen)</translation>
    </message>
    <message>
        <source>Send a file</source>
        <translation>Datei senden</translation>
    </message>
    <message>
        <source>File transfer: %1 %</source>
        <translation>Dateiübertragung: %1 %</translation>
    </message>
    <message>
        <source>Preparing %1…</source>
        <translation>%1 wird vorbereitet…</translation>
    </message>
    <message>
        <source>This image cannot be sent: %1</source>
        <translation>Dieses Bild kann nicht gesendet werden: %1</translation>
    </message>
    <message>
        <source>Disappearing messages</source>
        <translation>Verschwindende Nachrichten</translation>
    </message>
    <message>
        <source>Conversation settings</source>
        <translation>Unterhaltungseinstellungen</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>Block…</source>
        <translation>Blockieren…</translation>
    </message>
    <message>
        <source>Disappearing messages: %1</source>
        <translation>Verschwindende Nachrichten: %1</translation>
    </message>
    <message>
        <source>Block %1</source>
        <translation>%1 blockieren</translation>
    </message>
    <message>
        <source>Block %1? Their messages are dropped as they arrive, and you cannot write to them until you unblock them. They are not told.</source>
        <translation>%1 blockieren? Nachrichten dieser Person werden beim Eintreffen verworfen, und Sie können ihr erst wieder schreiben, wenn Sie die Blockierung aufheben. Sie wird nicht benachrichtigt.</translation>
    </message>
    <message>
        <source>Group info…</source>
        <translation>Gruppeninfo…</translation>
    </message>
    <message>
        <source>Show the group&apos;s members</source>
        <translation>Die Mitglieder der Gruppe anzeigen</translation>
    </message>
    <message>
        <source>Members, admins and the group&apos;s name</source>
        <translation>Mitglieder, Admins und Name der Gruppe</translation>
    </message>
</context>
<context>
    <name>parley::app::CommandLine</name>
    <message>
        <source>Parley: an end-to-end encrypted messenger.</source>
        <translation>Parley: ein Ende-zu-Ende-verschlüsselter Messenger.</translation>
    </message>
    <message>
        <source>Show this help and exit.</source>
        <translation>Diese Hilfe anzeigen und beenden.</translation>
    </message>
    <message>
        <source>Show the version and exit.</source>
        <translation>Die Version anzeigen und beenden.</translation>
    </message>
    <message>
        <source>Use the profile in &lt;dir&gt;; several profiles can run side by side.</source>
        <translation>Das Profil in &lt;dir&gt; verwenden; mehrere Profile können nebeneinander laufen.</translation>
    </message>
    <message>
        <source>Connect to the relay at &lt;url&gt; (wss://…; ws:// only to this computer) and remember it for the profile. Default: %1.</source>
        <translation>Mit dem Relay unter &lt;url&gt; verbinden (wss://…; ws:// nur zu diesem Computer) und es für das Profil merken. Standard: %1.</translation>
    </message>
    <message>
        <source>unexpected argument: %1</source>
        <translation>unerwartetes Argument: %1</translation>
    </message>
    <message>
        <source>--relay wants a URL such as wss://relay.example.org</source>
        <translation>--relay erwartet eine URL wie wss://relay.example.org</translation>
    </message>
</context>
<context>
    <name>parley::app::Composer</name>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
    <message>
        <source>Write a message… (Enter sends, Shift+Enter breaks the line)</source>
        <translation>Nachricht schreiben … (Eingabetaste sendet, Umschalt+Eingabetaste beginnt eine neue Zeile)</translation>
    </message>
</context>
<context>
    <name>parley::app::ConversationsView</name>
    <message>
        <source>Search conversations</source>
        <translation>Unterhaltungen durchsuchen</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Unterhaltungen</translation>
    </message>
</context>
<context>
    <name>parley::app::DesktopNotifier</name>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
</context>
<context>
    <name>parley::app::EmojiPicker</name>
    <message>
        <source>Emoji</source>
        <translation>Emoji</translation>
    </message>
    <message>
        <source>Insert %1</source>
        <translation>%1 einfügen</translation>
    </message>
</context>
<context>
    <name>parley::app::GroupInfoDialog</name>
    <message>
        <source>Rename</source>
        <translation>Umbenennen</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Make admin</source>
        <translation>Zum Admin machen</translation>
    </message>
    <message>
        <source>Leave group…</source>
        <translation>Gruppe verlassen…</translation>
    </message>
    <message>
        <source>Group info</source>
        <translation>Gruppeninfo</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Gruppenname</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Contact to add</source>
        <translation>Hinzuzufügender Kontakt</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>%1 (admin)</source>
        <translation>%1 (Admin)</translation>
    </message>
    <message>
        <source>Changing the group…</source>
        <translation>Die Gruppe wird geändert…</translation>
    </message>
    <message>
        <source>You are not a member of this group.</source>
        <translation>Sie sind kein Mitglied dieser Gruppe.</translation>
    </message>
    <message>
        <source>Leave the group?</source>
        <translation>Gruppe verlassen?</translation>
    </message>
    <message>
        <source>Leave “%1”? You will no longer receive its messages, and only a member can add you again.</source>
        <translation>„%1“ verlassen? Sie erhalten dann keine Nachrichten dieser Gruppe mehr, und nur ein Mitglied kann Sie wieder hinzufügen.</translation>
    </message>
    <message>
        <source>this group</source>
        <translation>diese Gruppe</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>Verlassen</translation>
    </message>
</context>
<context>
    <name>parley::app::ImageViewer</name>
    <message>
        <source>Image: %1</source>
        <translation>Bild: %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <source>This file cannot be shown: %1</source>
        <translation>Diese Datei kann nicht angezeigt werden: %1</translation>
    </message>
</context>
<context>
    <name>parley::app::InertTextDocument</name>
    <message>
        <source>[image: %1]</source>
        <translation>[Bild: %1]</translation>
    </message>
</context>
<context>
    <name>parley::app::MainWindow</name>
    <message>
        <source>Connection status</source>
        <translation>Verbindungsstatus</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Link to %1</source>
        <translation>Link zu %1</translation>
    </message>
    <message>
        <source>Show/Hide</source>
        <translation>Anzeigen/Ausblenden</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
</context>
<context>
    <name>parley::app::MessageDelegate</name>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Gestern</translation>
    </message>
    <message>
        <source>%1 · not sent</source>
        <translation>%1 · nicht gesendet</translation>
    </message>
    <message>
        <source>New messages</source>
        <translation>Neue Nachrichten</translation>
    </message>
    <message>
        <source>edited · %1</source>
        <translation>bearbeitet · %1</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Antwort</translation>
    </message>
    <message>
        <source> · downloaded</source>
        <translation> · heruntergeladen</translation>
    </message>
</context>
<context>
    <name>parley::app::MessageSearchPopup</name>
    <message>
        <source>You to %1</source>
        <translation>Sie an %1</translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation>Nachrichten durchsuchen</translation>
    </message>
    <message>
        <source>Words to search for</source>
        <translation>Gesuchte Wörter</translation>
    </message>
    <message>
        <source>Search all messages…</source>
        <translation>Alle Nachrichten durchsuchen…</translation>
    </message>
    <message>
        <source>Search status</source>
        <translation>Suchstatus</translation>
    </message>
    <message>
        <source>Matching messages</source>
        <translation>Passende Nachrichten</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Suche läuft…</translation>
    </message>
    <message>
        <source>No messages found</source>
        <translation>Keine Nachrichten gefunden</translation>
    </message>
</context>
<context>
    <name>parley::app::MessagingView</name>
    <message>
        <source>Chats</source>
        <translation>Chats</translation>
    </message>
    <message>
        <source>Add a contact (Ctrl+N)</source>
        <translation>Kontakt hinzufügen (Strg+N)</translation>
    </message>
    <message>
        <source>Add a contact</source>
        <translation>Kontakt hinzufügen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>No conversation is open.

Add a contact with Ctrl+N to start one, or pick a conversation on the left.</source>
        <translation>Keine Unterhaltung geöffnet.

Fügen Sie mit Strg+N einen Kontakt hinzu, um eine zu beginnen, oder wählen Sie links eine Unterhaltung aus.</translation>
    </message>
    <message>
        <source>No conversation is open</source>
        <translation>Keine Unterhaltung geöffnet</translation>
    </message>
    <message>
        <source>Add a contact…</source>
        <translation>Kontakt hinzufügen …</translation>
    </message>
    <message>
        <source>New group (Ctrl+Shift+N)</source>
        <translation>Neue Gruppe (Strg+Umschalt+N)</translation>
    </message>
    <message>
        <source>New group</source>
        <translation>Neue Gruppe</translation>
    </message>
</context>
<context>
    <name>parley::app::NewGroupDialog</name>
    <message>
        <source>New group</source>
        <translation>Neue Gruppe</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Gruppenname</translation>
    </message>
    <message>
        <source>e.g. Hikers</source>
        <translation>z. B. Wandergruppe</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Contacts to add to the group</source>
        <translation>Kontakte, die zur Gruppe hinzugefügt werden</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Erstellen</translation>
    </message>
    <message>
        <source>Create the group</source>
        <translation>Die Gruppe erstellen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Creating the group…</source>
        <translation>Die Gruppe wird erstellt…</translation>
    </message>
</context>
<context>
    <name>parley::app::OnboardingView</name>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Create your Parley profile</source>
        <translation>Ihr Parley-Profil erstellen</translation>
    </message>
    <message>
        <source>Your username is how people find you on the relay. The passphrase protects your keys and messages on this computer; nobody can recover it for you.</source>
        <translation>Unter Ihrem Benutzernamen finden andere Sie auf dem Relay. Die Passphrase schützt Ihre Schlüssel und Nachrichten auf diesem Computer; niemand kann sie für Sie wiederherstellen.</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>e.g. alice</source>
        <translation>z. B. alice</translation>
    </message>
    <message>
        <source>Relay address</source>
        <translation>Relay-Adresse</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>Passphrase wiederholen</translation>
    </message>
    <message>
        <source>Passphrase strength</source>
        <translation>Stärke der Passphrase</translation>
    </message>
    <message>
        <source>&amp;Remember on this computer</source>
        <translation>Auf diesem Computer &amp;merken</translation>
    </message>
    <message>
        <source>Keep the key in this computer&apos;s keychain, so Parley opens without asking for the passphrase.</source>
        <translation>Den Schlüssel im Schlüsselbund dieses Computers aufbewahren, damit Parley ohne Frage nach der Passphrase öffnet.</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>&amp;Benutzername:</translation>
    </message>
    <message>
        <source>R&amp;elay:</source>
        <translation>R&amp;elay:</translation>
    </message>
    <message>
        <source>&amp;Passphrase:</source>
        <translation>&amp;Passphrase:</translation>
    </message>
    <message>
        <source>&amp;Again:</source>
        <translation>&amp;Wiederholen:</translation>
    </message>
    <message>
        <source>&amp;Create profile</source>
        <translation>Profil er&amp;stellen</translation>
    </message>
    <message>
        <source>Create profile</source>
        <translation>Profil erstellen</translation>
    </message>
    <message>
        <source>Unlock Parley</source>
        <translation>Parley entsperren</translation>
    </message>
    <message>
        <source>&amp;Unlock</source>
        <translation>&amp;Entsperren</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Entsperren</translation>
    </message>
    <message>
        <source>Restore from a &amp;backup…</source>
        <translation>Aus einer Sicherung wieder&amp;herstellen …</translation>
    </message>
    <message>
        <source>Restore from a backup</source>
        <translation>Aus einer Sicherung wiederherstellen</translation>
    </message>
    <message>
        <source>Use a backup exported from Parley&apos;s settings on another computer.</source>
        <translation>Eine Sicherung verwenden, die auf einem anderen Computer in den Einstellungen von Parley exportiert wurde.</translation>
    </message>
    <message>
        <source>Choose the backup you exported in Parley&apos;s settings and type the passphrase you gave it. This computer becomes a new device of your account; the computer the backup came from is signed out.</source>
        <translation>Wähle die Sicherung, die du in den Einstellungen von Parley exportiert hast, und gib die Passphrase ein, die du ihr gegeben hast. Dieser Computer wird ein neues Gerät deines Kontos; der Computer, von dem die Sicherung stammt, wird abgemeldet.</translation>
    </message>
    <message>
        <source>Backup file</source>
        <translation>Sicherungsdatei</translation>
    </message>
    <message>
        <source>C&amp;hoose…</source>
        <translation>A&amp;uswählen …</translation>
    </message>
    <message>
        <source>Choose the backup file</source>
        <translation>Sicherungsdatei auswählen</translation>
    </message>
    <message>
        <source>The backup&apos;s passphrase</source>
        <translation>Passphrase der Sicherung</translation>
    </message>
    <message>
        <source>New passphrase for this computer</source>
        <translation>Neue Passphrase für diesen Computer</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>Neue Passphrase wiederholen</translation>
    </message>
    <message>
        <source>Backup &amp;file:</source>
        <translation>Sicherungs&amp;datei:</translation>
    </message>
    <message>
        <source>Backup pass&amp;phrase:</source>
        <translation>Pass&amp;phrase der Sicherung:</translation>
    </message>
    <message>
        <source>&amp;New passphrase:</source>
        <translation>&amp;Neue Passphrase:</translation>
    </message>
    <message>
        <source>&amp;Restore</source>
        <translation>Wieder&amp;herstellen</translation>
    </message>
    <message>
        <source>Restore the backup</source>
        <translation>Die Sicherung wiederherstellen</translation>
    </message>
    <message>
        <source>&amp;Back</source>
        <translation>&amp;Zurück</translation>
    </message>
    <message>
        <source>Back to creating a profile</source>
        <translation>Zurück zum Erstellen eines Profils</translation>
    </message>
    <message>
        <source>Choose the backup</source>
        <translation>Sicherung auswählen</translation>
    </message>
    <message>
        <source>Parley backups (*.parley);;All files (*)</source>
        <translation>Parley-Sicherungen (*.parley);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Re&amp;member on this computer</source>
        <translation>Auf diesem Computer &amp;merken</translation>
    </message>
</context>
<context>
    <name>parley::app::QrDecoder</name>
    <message>
        <source>The image cannot be opened.</source>
        <translation>Das Bild kann nicht geöffnet werden.</translation>
    </message>
    <message>
        <source>This kind of file is not supported. Use a PNG, JPEG or BMP image.</source>
        <translation>Diese Art von Datei wird nicht unterstützt. Verwenden Sie ein PNG-, JPEG- oder BMP-Bild.</translation>
    </message>
    <message>
        <source>The image is too large.</source>
        <translation>Das Bild ist zu groß.</translation>
    </message>
    <message>
        <source>The image is damaged and cannot be read.</source>
        <translation>Das Bild ist beschädigt und kann nicht gelesen werden.</translation>
    </message>
    <message>
        <source>No QR code was found in this image.</source>
        <translation>In diesem Bild wurde kein QR-Code gefunden.</translation>
    </message>
    <message>
        <source>Images (%1)</source>
        <translation>Bilder (%1)</translation>
    </message>
</context>
<context>
    <name>parley::app::QuickSwitcher</name>
    <message>
        <source>Go to a conversation</source>
        <translation>Zu einer Unterhaltung wechseln</translation>
    </message>
    <message>
        <source>Conversation to open</source>
        <translation>Zu öffnende Unterhaltung</translation>
    </message>
    <message>
        <source>Go to a conversation…</source>
        <translation>Zu einer Unterhaltung wechseln …</translation>
    </message>
    <message>
        <source>Matching conversations</source>
        <translation>Passende Unterhaltungen</translation>
    </message>
</context>
<context>
    <name>parley::app::SettingsDialog</name>
    <message>
        <source>Current passphrase</source>
        <translation>Aktuelle Passphrase</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>Neue Passphrase</translation>
    </message>
    <message>
        <source>Repeat the new passphrase</source>
        <translation>Neue Passphrase wiederholen</translation>
    </message>
    <message>
        <source>Change passphrase</source>
        <translation>Passphrase ändern</translation>
    </message>
    <message>
        <source>Remember on this computer</source>
        <translation>Auf diesem Computer merken</translation>
    </message>
    <message>
        <source>Show notifications for new messages</source>
        <translation>Benachrichtigungen für neue Nachrichten anzeigen</translation>
    </message>
    <message>
        <source>Show message text in notifications</source>
        <translation>Nachrichtentext in Benachrichtigungen anzeigen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Current:</source>
        <translation>Aktuell:</translation>
    </message>
    <message>
        <source>New:</source>
        <translation>Neu:</translation>
    </message>
    <message>
        <source>Repeat:</source>
        <translation>Wiederholen:</translation>
    </message>
    <message>
        <source>Passphrase strength</source>
        <translation>Stärke der Passphrase</translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>Dieser Computer</translation>
    </message>
    <message>
        <source>Keep the profile&apos;s key in the system keychain, so Parley opens without asking for the passphrase.</source>
        <translation>Den Schlüssel des Profils im Systemschlüsselbund aufbewahren, damit Parley ohne Frage nach der Passphrase öffnet.</translation>
    </message>
    <message>
        <source>Lock after idle minutes</source>
        <translation>Sperren nach Minuten ohne Nutzung</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source> min</source>
        <translation> Min.</translation>
    </message>
    <message>
        <source>Lock when idle for:</source>
        <translation>Sperren nach Leerlauf von:</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Benachrichtigungen</translation>
    </message>
    <message>
        <source>When off, a notification names the sender and says only &quot;New message&quot;.</source>
        <translation>Wenn ausgeschaltet, nennt eine Benachrichtigung den Absender und sagt nur „Neue Nachricht“.</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Erscheinungsbild</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Design</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>Systemeinstellung verwenden</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>Theme:</source>
        <translation>Design:</translation>
    </message>
    <message>
        <source>Settings status</source>
        <translation>Status der Einstellungen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>About Parley…</source>
        <translation>Über Parley …</translation>
    </message>
    <message>
        <source>Blocked contacts</source>
        <translation>Blockierte Kontakte</translation>
    </message>
    <message>
        <source>Unblock</source>
        <translation>Blockierung aufheben</translation>
    </message>
    <message>
        <source>Unblock the selected contact</source>
        <translation>Blockierung des ausgewählten Kontakts aufheben</translation>
    </message>
    <message>
        <source>Nobody is blocked.</source>
        <translation>Niemand ist blockiert.</translation>
    </message>
    <message>
        <source>New conversations</source>
        <translation>Neue Unterhaltungen</translation>
    </message>
    <message>
        <source>Disappearing messages in new conversations</source>
        <translation>Selbstlöschende Nachrichten in neuen Unterhaltungen</translation>
    </message>
    <message>
        <source>The timer a conversation gets when you write to someone for the first time or accept a message request. Both sides are told, as when you set it in the conversation.</source>
        <translation>Der Timer, den eine Unterhaltung bekommt, wenn du jemandem zum ersten Mal schreibst oder eine Nachrichtenanfrage annimmst. Beide Seiten werden informiert, wie wenn du ihn in der Unterhaltung einstellst.</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>Disappearing messages:</source>
        <translation>Selbstlöschende Nachrichten:</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>Sicherung</translation>
    </message>
    <message>
        <source>Save your contacts and messages in an encrypted file, to restore them on another computer (choose &quot;Restore from a backup&quot; when Parley starts there). That computer becomes a new device of your account and this one is signed out.</source>
        <translation>Speichere deine Kontakte und Nachrichten in einer verschlüsselten Datei, um sie auf einem anderen Computer wiederherzustellen (wähle dort beim Start von Parley „Aus einer Sicherung wiederherstellen“). Jener Computer wird ein neues Gerät deines Kontos, und dieser wird abgemeldet.</translation>
    </message>
    <message>
        <source>Backup file</source>
        <translation>Sicherungsdatei</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Auswählen …</translation>
    </message>
    <message>
        <source>Choose the backup file</source>
        <translation>Sicherungsdatei auswählen</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>Datei:</translation>
    </message>
    <message>
        <source>Passphrase for the backup</source>
        <translation>Passphrase für die Sicherung</translation>
    </message>
    <message>
        <source>Repeat the passphrase for the backup</source>
        <translation>Passphrase für die Sicherung wiederholen</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>Passphrase:</translation>
    </message>
    <message>
        <source>Backup passphrase strength</source>
        <translation>Stärke der Passphrase für die Sicherung</translation>
    </message>
    <message>
        <source>Export history</source>
        <translation>Verlauf exportieren</translation>
    </message>
    <message>
        <source>Export in progress</source>
        <translation>Export läuft</translation>
    </message>
    <message>
        <source>Save the backup as</source>
        <translation>Sicherung speichern unter</translation>
    </message>
    <message>
        <source>Parley backups (*.parley);;All files (*)</source>
        <translation>Parley-Sicherungen (*.parley);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>%1 of %2 messages</source>
        <translation>%1 von %2 Nachrichten</translation>
    </message>
</context>
<context>
    <name>parley::app::SingleInstance</name>
    <message>
        <source>The profile directory %1 cannot be locked.</source>
        <translation>Das Profilverzeichnis %1 kann nicht gesperrt werden.</translation>
    </message>
    <message>
        <source>The profile %1 is in use by another process (%2), which does not answer.</source>
        <translation>Das Profil %1 wird von einem anderen Prozess (%2) verwendet, der nicht antwortet.</translation>
    </message>
    <message>
        <source>Parley cannot listen for other instances: %1</source>
        <translation>Parley kann keine Verbindungen anderer Instanzen annehmen: %1</translation>
    </message>
</context>
<context>
    <name>parley::app::TimelineView</name>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>Jump to the latest message</source>
        <translation>Zur neuesten Nachricht springen</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>Text kopieren</translation>
    </message>
    <message>
        <source>Copy link %1</source>
        <translation>Link %1 kopieren</translation>
    </message>
    <message>
        <source>Open %1</source>
        <translation>%1 öffnen</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Antworten</translation>
    </message>
    <message>
        <source>React</source>
        <translation>Reagieren</translation>
    </message>
    <message>
        <source>Remove my reaction</source>
        <translation>Meine Reaktion entfernen</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Bearbeiten</translation>
    </message>
    <message>
        <source>Delete for everyone…</source>
        <translation>Für alle löschen…</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Speichern unter…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
</context>
<context>
    <name>parley::app::VerificationDialog</name>
    <message>
        <source>Compare</source>
        <translation>Vergleichen</translation>
    </message>
    <message>
        <source>Open an image of their code…</source>
        <translation>Bild des Codes des Kontakts öffnen …</translation>
    </message>
    <message>
        <source>Copy my code</source>
        <translation>Meinen Code kopieren</translation>
    </message>
    <message>
        <source>Accept the new key</source>
        <translation>Neuen Schlüssel annehmen</translation>
    </message>
    <message>
        <source>Mark as verified</source>
        <translation>Als überprüft markieren</translation>
    </message>
    <message>
        <source>Remove verification</source>
        <translation>Überprüfung entfernen</translation>
    </message>
    <message>
        <source>Verify safety number</source>
        <translation>Sicherheitsnummer überprüfen</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Kontakt</translation>
    </message>
    <message>
        <source>Verification status</source>
        <translation>Überprüfungsstatus</translation>
    </message>
    <message>
        <source>Compare this number with your contact in person or over a call you trust, or scan each other&apos;s code. If they match, nobody is in the middle.</source>
        <translation>Vergleichen Sie diese Nummer mit Ihrem Kontakt persönlich oder über einen Anruf, dem Sie vertrauen, oder scannen Sie gegenseitig Ihre Codes. Wenn sie übereinstimmen, hört niemand dazwischen mit.</translation>
    </message>
    <message>
        <source>Safety number</source>
        <translation>Sicherheitsnummer</translation>
    </message>
    <message>
        <source>Your code to scan</source>
        <translation>Ihr Code zum Scannen</translation>
    </message>
    <message>
        <source>Their code or safety number</source>
        <translation>Code oder Sicherheitsnummer des Kontakts</translation>
    </message>
    <message>
        <source>Paste their code, or type their 60 digits</source>
        <translation>Fügen Sie den Code des Kontakts ein oder tippen Sie seine 60 Ziffern</translation>
    </message>
    <message>
        <source>Open an image of their code</source>
        <translation>Bild des Codes des Kontakts öffnen</translation>
    </message>
    <message>
        <source>Comparison result</source>
        <translation>Ergebnis des Vergleichs</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Verify %1</source>
        <translation>%1 überprüfen</translation>
    </message>
    <message>
        <source>Loading the safety number…</source>
        <translation>Sicherheitsnummer wird geladen …</translation>
    </message>
    <message>
        <source>⚠ The safety number of %1 changed%2. Compare the new number below with them, then accept the new key.</source>
        <translation>⚠ Die Sicherheitsnummer von %1 hat sich%2 geändert. Vergleichen Sie die neue Nummer unten mit dem Kontakt und nehmen Sie dann den neuen Schlüssel an.</translation>
    </message>
    <message>
        <source> on %1</source>
        <translation> am %1</translation>
    </message>
    <message>
        <source>✓ You have verified %1.</source>
        <translation>✓ Sie haben %1 überprüft.</translation>
    </message>
    <message>
        <source>%1 is not verified yet.</source>
        <translation>%1 ist noch nicht überprüft.</translation>
    </message>
    <message>
        <source>Reading the image…</source>
        <translation>Bild wird gelesen …</translation>
    </message>
    <message>
        <source>Scan with camera</source>
        <translation>Mit der Kamera scannen</translation>
    </message>
    <message>
        <source>Stop scanning</source>
        <translation>Scannen beenden</translation>
    </message>
    <message>
        <source>Scan their code with the camera</source>
        <translation>Den Code des Kontakts mit der Kamera scannen</translation>
    </message>
    <message>
        <source>Looking for a camera…</source>
        <translation>Suche nach einer Kamera …</translation>
    </message>
    <message>
        <source>What the camera sees</source>
        <translation>Was die Kamera sieht</translation>
    </message>
    <message>
        <source>No camera was found.</source>
        <translation>Es wurde keine Kamera gefunden.</translation>
    </message>
    <message>
        <source>That QR code is not a Parley safety-number code.</source>
        <translation>Dieser QR-Code ist kein Sicherheitsnummer-Code von Parley.</translation>
    </message>
    <message>
        <source>Hold their code in front of the camera…</source>
        <translation>Halten Sie den Code des Kontakts vor die Kamera …</translation>
    </message>
</context>
<context>
    <name>parley::core::AccountManager</name>
    <message>
        <source>Parley could not create the keys for this account.</source>
        <translation>Parley konnte die Schlüssel für dieses Konto nicht erzeugen.</translation>
    </message>
    <message>
        <source>This profile has no account yet. Create a new profile.</source>
        <translation>Dieses Profil hat noch kein Konto. Erstellen Sie ein neues Profil.</translation>
    </message>
    <message>
        <source>This profile&apos;s keys are damaged, so Parley cannot sign in with them.</source>
        <translation>Die Schlüssel dieses Profils sind beschädigt, daher kann Parley sich damit nicht anmelden.</translation>
    </message>
    <message>
        <source>Connect to the relay first: an account is deleted there.</source>
        <translation>Verbinden Sie sich zuerst mit dem Relay: Ein Konto wird dort gelöscht.</translation>
    </message>
    <message>
        <source>The connection to the relay was lost before it answered; sign in again to see whether the account still exists.</source>
        <translation>Die Verbindung zum Relay brach ab, bevor es antwortete; melden Sie sich erneut an, um zu sehen, ob das Konto noch existiert.</translation>
    </message>
    <message>
        <source>The relay refused to delete the account: %1</source>
        <translation>Das Relay hat das Löschen des Kontos abgelehnt: %1</translation>
    </message>
</context>
<context>
    <name>parley::core::AutoLock</name>
    <message>
        <source>Parley locked itself after a while without use. Your passphrase opens it again.</source>
        <translation>Parley hat sich nach einer Weile ohne Nutzung gesperrt. Ihre Passphrase öffnet es wieder.</translation>
    </message>
</context>
<context>
    <name>parley::core::ChatViewModel</name>
    <message>
        <source>Disappearing messages take a time between %1 seconds and %2 weeks, or off.</source>
        <translation>Verschwindende Nachrichten brauchen eine Zeit zwischen %1 Sekunden und %2 Wochen, oder aus.</translation>
    </message>
    <message>
        <source>That is not a message.</source>
        <translation>Das ist keine Nachricht.</translation>
    </message>
    <message>
        <source>%1&apos;s safety number changed. Compare it again and accept the new key before sending.</source>
        <translation>Die Sicherheitsnummer von %1 hat sich geändert. Vergleichen Sie sie erneut und nehmen Sie den neuen Schlüssel an, bevor Sie senden.</translation>
    </message>
    <message>
        <source>%1&apos;s safety number changed. If you did not expect this, compare it with them.</source>
        <translation>Die Sicherheitsnummer von %1 hat sich geändert. Wenn Sie das nicht erwartet haben, vergleichen Sie sie mit dem Kontakt.</translation>
    </message>
    <message>
        <source>Type a message first.</source>
        <translation>Schreiben Sie zuerst eine Nachricht.</translation>
    </message>
    <message>
        <source>This message is too long: %1 KiB, and at most %2 KiB can be sent at once.</source>
        <translation>Diese Nachricht ist zu lang: %1 KiB, und höchstens %2 KiB können auf einmal gesendet werden.</translation>
    </message>
    <message>
        <source>The profile is not open.</source>
        <translation>Das Profil ist nicht geöffnet.</translation>
    </message>
    <message>
        <source>That message is not shown any more.</source>
        <translation>Diese Nachricht wird nicht mehr angezeigt.</translation>
    </message>
    <message>
        <source>That message was deleted.</source>
        <translation>Diese Nachricht wurde gelöscht.</translation>
    </message>
    <message>
        <source>That message could not be decrypted.</source>
        <translation>Diese Nachricht konnte nicht entschlüsselt werden.</translation>
    </message>
    <message>
        <source>Only the author of a message may edit or delete it.</source>
        <translation>Nur der Verfasser einer Nachricht darf sie bearbeiten oder löschen.</translation>
    </message>
    <message>
        <source>A reaction is one emoji.</source>
        <translation>Eine Reaktion ist ein einzelnes Emoji.</translation>
    </message>
    <message>
        <source>yourself</source>
        <translation>Sie selbst</translation>
    </message>
    <message>
        <source>Replying to %1: “%2”</source>
        <translation>Antwort an %1: „%2“</translation>
    </message>
    <message>
        <source>Editing your message</source>
        <translation>Sie bearbeiten Ihre Nachricht</translation>
    </message>
    <message>
        <source>Choose a file to send.</source>
        <translation>Wählen Sie eine Datei zum Senden.</translation>
    </message>
    <message>
        <source>Choose where to save the file.</source>
        <translation>Wählen Sie, wo die Datei gespeichert werden soll.</translation>
    </message>
    <message>
        <source>%1 is blocked. Unblock them to send a message.</source>
        <translation>%1 ist blockiert. Heben Sie die Blockierung auf, um eine Nachricht zu senden.</translation>
    </message>
    <message>
        <source>%1 is not in your contacts. Accept the message request to reply.</source>
        <translation>%1 ist nicht in Ihren Kontakten. Nehmen Sie die Nachrichtenanfrage an, um zu antworten.</translation>
    </message>
    <message>
        <source>This message has no file.</source>
        <translation>Diese Nachricht enthält keine Datei.</translation>
    </message>
    <message>
        <source>Unnamed group</source>
        <translation>Unbenannte Gruppe</translation>
    </message>
    <message>
        <source>You are not a member of this group.</source>
        <translation>Sie sind kein Mitglied dieser Gruppe.</translation>
    </message>
</context>
<context>
    <name>parley::core::ConnectionViewModel</name>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbindung mit %1 wird hergestellt …</translation>
    </message>
    <message>
        <source>Signing in to %1…</source>
        <translation>Anmeldung bei %1 …</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Verbunden mit %1</translation>
    </message>
    <message numerus="yes">
        <source>%1 Retrying in %n second(s).</source>
        <translation>
            <numerusform>%1 Neuer Versuch in %n Sekunde.</numerusform>
            <numerusform>%1 Neuer Versuch in %n Sekunden.</numerusform>
        </translation>
    </message>
    <message>
        <source>A username has 3 to 32 characters: letters a–z, digits and . _ -, starts and ends with a letter or digit, and has no two of . _ - in a row.</source>
        <translation>Ein Benutzername hat 3 bis 32 Zeichen: Buchstaben a–z, Ziffern und . _ -; er beginnt und endet mit einem Buchstaben oder einer Ziffer und hat nie zwei von . _ - hintereinander.</translation>
    </message>
    <message>
        <source>%1, protocol version %2</source>
        <translation>%1, Protokollversion %2</translation>
    </message>
    <message>
        <source>“%1” is not a relay address. Relay addresses start with wss://.</source>
        <translation>„%1“ ist keine Relay-Adresse. Relay-Adressen beginnen mit wss://.</translation>
    </message>
    <message>
        <source>Parley does not send anything to %1 unencrypted. Use its wss:// address.</source>
        <translation>Parley sendet nichts unverschlüsselt an %1. Verwenden Sie seine wss://-Adresse.</translation>
    </message>
    <message>
        <source>No relay is running at %1.</source>
        <translation>Unter %1 läuft kein Relay.</translation>
    </message>
    <message>
        <source>Can&apos;t find %1. Check the relay address and your network.</source>
        <translation>%1 wurde nicht gefunden. Prüfen Sie die Relay-Adresse und Ihr Netzwerk.</translation>
    </message>
    <message>
        <source>The secure connection to %1 failed: its certificate could not be verified.</source>
        <translation>Die sichere Verbindung zu %1 ist fehlgeschlagen: Das Zertifikat konnte nicht überprüft werden.</translation>
    </message>
    <message>
        <source>%1 did not answer in time.</source>
        <translation>%1 hat nicht rechtzeitig geantwortet.</translation>
    </message>
    <message>
        <source>The relay at %1 runs an incompatible version of Parley. Update Parley or ask the relay&apos;s operator to update it.</source>
        <translation>Das Relay unter %1 verwendet eine inkompatible Version von Parley. Aktualisieren Sie Parley oder bitten Sie den Betreiber des Relays, es zu aktualisieren.</translation>
    </message>
    <message>
        <source>The relay at %1 sent something Parley does not understand.</source>
        <translation>Das Relay unter %1 hat etwas gesendet, das Parley nicht versteht.</translation>
    </message>
    <message>
        <source>The relay at %1 closed the connection.</source>
        <translation>Das Relay unter %1 hat die Verbindung geschlossen.</translation>
    </message>
    <message>
        <source>Lost the connection to %1.</source>
        <translation>Die Verbindung zu %1 ist abgebrochen.</translation>
    </message>
    <message>
        <source>That username is already taken on this relay. Choose another one.</source>
        <translation>Dieser Benutzername ist auf diesem Relay bereits vergeben. Wählen Sie einen anderen.</translation>
    </message>
    <message>
        <source>The username %1 is already taken on this relay. Choose another one.</source>
        <translation>Der Benutzername %1 ist auf diesem Relay bereits vergeben. Wählen Sie einen anderen.</translation>
    </message>
    <message>
        <source>The relay at %1 does not accept new accounts. Ask its operator, or use another relay.</source>
        <translation>Das Relay unter %1 nimmt keine neuen Konten an. Fragen Sie seinen Betreiber oder verwenden Sie ein anderes Relay.</translation>
    </message>
    <message>
        <source>The relay at %1 accepts new accounts by invitation only. Ask its operator for an invite code.</source>
        <translation>Das Relay unter %1 nimmt neue Konten nur auf Einladung an. Bitten Sie seinen Betreiber um einen Einladungscode.</translation>
    </message>
    <message>
        <source>The relay at %1 does not serve this account&apos;s relay name. Check the relay address.</source>
        <translation>Das Relay unter %1 bedient den Relay-Namen dieses Kontos nicht. Prüfen Sie die Relay-Adresse.</translation>
    </message>
    <message>
        <source>The relay at %1 does not recognise this device&apos;s keys, so Parley cannot sign in.</source>
        <translation>Das Relay unter %1 erkennt die Schlüssel dieses Geräts nicht, daher kann Parley sich nicht anmelden.</translation>
    </message>
    <message>
        <source>The relay at %1 refused too many sign-in attempts from this device.</source>
        <translation>Das Relay unter %1 hat zu viele Anmeldeversuche von diesem Gerät abgewiesen.</translation>
    </message>
    <message>
        <source>This device was removed from your account, or the account was deleted. Parley no longer signs in with it.</source>
        <translation>Dieses Gerät wurde aus Ihrem Konto entfernt oder das Konto wurde gelöscht. Parley meldet sich damit nicht mehr an.</translation>
    </message>
    <message>
        <source>This profile signed in to %1 from another window or computer, so this one stopped. Close the other one and start Parley here again.</source>
        <translation>Dieses Profil hat sich aus einem anderen Fenster oder von einem anderen Computer bei %1 angemeldet, daher wurde diese Sitzung beendet. Schließen Sie die andere und starten Sie Parley hier erneut.</translation>
    </message>
    <message>
        <source>The relay at %1 is busy or having trouble.</source>
        <translation>Das Relay unter %1 ist ausgelastet oder hat Probleme.</translation>
    </message>
</context>
<context>
    <name>parley::core::ContactsViewModel</name>
    <message>
        <source>Type the username of the person you want to add.</source>
        <translation>Geben Sie den Benutzernamen der Person ein, die Sie hinzufügen möchten.</translation>
    </message>
    <message>
        <source>The profile is not open.</source>
        <translation>Das Profil ist nicht geöffnet.</translation>
    </message>
</context>
<context>
    <name>parley::core::ConversationListModel</name>
    <message>
        <source>This message could not be decrypted.</source>
        <translation>Diese Nachricht konnte nicht entschlüsselt werden.</translation>
    </message>
    <message numerus="yes">
        <source>%1, %n unread, last message: %2</source>
        <translation>
            <numerusform>%1, %n ungelesen, letzte Nachricht: %2</numerusform>
            <numerusform>%1, %n ungelesen, letzte Nachricht: %2</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, last message: %2</source>
        <translation>%1, letzte Nachricht: %2</translation>
    </message>
    <message>
        <source>This message was deleted.</source>
        <translation>Diese Nachricht wurde gelöscht.</translation>
    </message>
    <message>
        <source>Unnamed group</source>
        <translation>Unbenannte Gruppe</translation>
    </message>
    <message>
        <source>You: %1</source>
        <translation>Sie: %1</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>Photo: %1</source>
        <translation>Foto: %1</translation>
    </message>
    <message>
        <source>File: %1</source>
        <translation>Datei: %1</translation>
    </message>
</context>
<context>
    <name>parley::core::GroupViewModel</name>
    <message>
        <source>This group exists already.</source>
        <translation>Diese Gruppe gibt es bereits.</translation>
    </message>
    <message>
        <source>Choose at least one contact for the group.</source>
        <translation>Wählen Sie mindestens einen Kontakt für die Gruppe.</translation>
    </message>
    <message>
        <source>Choose at least one contact to add.</source>
        <translation>Wählen Sie mindestens einen Kontakt zum Hinzufügen.</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>The profile is not open.</source>
        <translation>Das Profil ist nicht geöffnet.</translation>
    </message>
    <message>
        <source>No group is open.</source>
        <translation>Keine Gruppe ist geöffnet.</translation>
    </message>
</context>
<context>
    <name>parley::core::MessageListModel</name>
    <message>
        <source>The profile is not open.</source>
        <translation>Das Profil ist nicht geöffnet.</translation>
    </message>
    <message>
        <source>This message could not be decrypted.</source>
        <translation>Diese Nachricht konnte nicht entschlüsselt werden.</translation>
    </message>
    <message>
        <source>You, %1: %2</source>
        <translation>Sie, %1: %2</translation>
    </message>
    <message>
        <source>%1, %2: %3</source>
        <translation>%1, %2: %3</translation>
    </message>
    <message>
        <source>This message was deleted.</source>
        <translation>Diese Nachricht wurde gelöscht.</translation>
    </message>
    <message>
        <source>%1 (edited)</source>
        <translation>%1 (bearbeitet)</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>The quoted message is not available.</source>
        <translation>Die zitierte Nachricht ist nicht verfügbar.</translation>
    </message>
</context>
<context>
    <name>parley::core::NotificationViewModel</name>
    <message>
        <source>Parley — no unread messages</source>
        <translation>Parley – keine ungelesenen Nachrichten</translation>
    </message>
    <message>
        <source>Parley — 1 unread message</source>
        <translation>Parley – 1 ungelesene Nachricht</translation>
    </message>
    <message>
        <source>Parley — %1 unread messages</source>
        <translation>Parley – %1 ungelesene Nachrichten</translation>
    </message>
    <message>
        <source>Parley — locked</source>
        <translation>Parley – gesperrt</translation>
    </message>
    <message>
        <source>This message could not be decrypted.</source>
        <translation>Diese Nachricht konnte nicht entschlüsselt werden.</translation>
    </message>
</context>
<context>
    <name>parley::core::OnboardingViewModel</name>
    <message>
        <source>Signed in as %1</source>
        <translation>Angemeldet als %1</translation>
    </message>
    <message>
        <source>Weak: use at least 14 characters. Four unrelated words are long and easy to remember.</source>
        <translation>Schwach: Verwenden Sie mindestens 14 Zeichen. Vier Wörter ohne Zusammenhang sind lang und leicht zu merken.</translation>
    </message>
    <message>
        <source>Fair: another word or two would make it much harder to guess.</source>
        <translation>Mittel: Ein oder zwei weitere Wörter machen sie viel schwerer zu erraten.</translation>
    </message>
    <message>
        <source>Strong.</source>
        <translation>Stark.</translation>
    </message>
    <message>
        <source>The two passphrases are not the same.</source>
        <translation>Die beiden Passphrasen stimmen nicht überein.</translation>
    </message>
    <message>
        <source>Unlocking with the key remembered on this computer…</source>
        <translation>Entsperren mit dem auf diesem Computer gespeicherten Schlüssel …</translation>
    </message>
    <message>
        <source>“%1” cannot be used as a relay name. Give the relay&apos;s name as its operator publishes it.</source>
        <translation>„%1“ kann nicht als Relay-Name verwendet werden. Geben Sie den Namen des Relays so an, wie sein Betreiber ihn veröffentlicht.</translation>
    </message>
    <message>
        <source>Choose a passphrase: it protects everything Parley keeps on this computer.</source>
        <translation>Wählen Sie eine Passphrase: Sie schützt alles, was Parley auf diesem Computer aufbewahrt.</translation>
    </message>
    <message>
        <source>Creating your profile…</source>
        <translation>Ihr Profil wird erstellt …</translation>
    </message>
    <message>
        <source>Registering %1 on %2…</source>
        <translation>%1 wird bei %2 registriert …</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>Wird entsperrt …</translation>
    </message>
    <message>
        <source>Locking…</source>
        <translation>Wird gesperrt …</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>Anmeldung …</translation>
    </message>
    <message>
        <source>Parley could not remember the key on this computer (%1) You will be asked for the passphrase next time.</source>
        <translation>Parley konnte den Schlüssel auf diesem Computer nicht speichern (%1) Beim nächsten Mal werden Sie nach der Passphrase gefragt.</translation>
    </message>
    <message>
        <source>The backup&apos;s passphrase is wrong. It is the passphrase chosen when the backup was made, which may differ from the profile&apos;s.</source>
        <translation>Die Passphrase der Sicherung ist falsch. Es ist die Passphrase, die beim Erstellen der Sicherung gewählt wurde; sie kann sich von der des Profils unterscheiden.</translation>
    </message>
    <message>
        <source>%1 is not a Parley backup.</source>
        <translation>%1 ist keine Parley-Sicherung.</translation>
    </message>
    <message>
        <source>This backup was made by a newer version of Parley. Update Parley to restore it.</source>
        <translation>Diese Sicherung stammt von einer neueren Parley-Version. Aktualisiere Parley, um sie wiederherzustellen.</translation>
    </message>
    <message>
        <source>There is not enough memory to open this backup. Close other programs and try again.</source>
        <translation>Es ist nicht genug Arbeitsspeicher frei, um diese Sicherung zu öffnen. Schließe andere Programme und versuche es erneut.</translation>
    </message>
    <message>
        <source>The backup file is damaged (incomplete or changed), so nothing was restored. Copy it again from where it was saved, or make a new backup.</source>
        <translation>Die Sicherungsdatei ist beschädigt (unvollständig oder verändert), daher wurde nichts wiederhergestellt. Kopiere sie erneut von ihrem Speicherort oder erstelle eine neue Sicherung.</translation>
    </message>
    <message>
        <source>Choose the backup file to restore.</source>
        <translation>Wähle die Sicherungsdatei, die wiederhergestellt werden soll.</translation>
    </message>
    <message>
        <source>%1 cannot be read.</source>
        <translation>%1 kann nicht gelesen werden.</translation>
    </message>
    <message>
        <source>Type the backup&apos;s passphrase: the one chosen when the backup was made.</source>
        <translation>Gib die Passphrase der Sicherung ein: die beim Erstellen der Sicherung gewählte.</translation>
    </message>
    <message>
        <source>%1 cannot be created.</source>
        <translation>%1 kann nicht angelegt werden.</translation>
    </message>
    <message>
        <source>Restoring your history from the backup…</source>
        <translation>Dein Verlauf wird aus der Sicherung wiederhergestellt …</translation>
    </message>
    <message>
        <source>The restored profile cannot be moved into %1.</source>
        <translation>Das wiederhergestellte Profil kann nicht nach %1 verschoben werden.</translation>
    </message>
    <message>
        <source>Opening the restored profile…</source>
        <translation>Das wiederhergestellte Profil wird geöffnet …</translation>
    </message>
    <message>
        <source>Adding this computer to %1 as a new device…</source>
        <translation>Dieser Computer wird %1 als neues Gerät hinzugefügt …</translation>
    </message>
    <message>
        <source>Your history was restored. This computer is now a device of %1; the computer the backup came from has been signed out.</source>
        <translation>Dein Verlauf wurde wiederhergestellt. Dieser Computer ist jetzt ein Gerät von %1; der Computer, von dem die Sicherung stammt, wurde abgemeldet.</translation>
    </message>
    <message>
        <source>The relay at %1 did not accept this computer as a new device (%2) Make a new backup on a device that is still signed in, and restore that.</source>
        <translation>Das Relay unter %1 hat diesen Computer nicht als neues Gerät angenommen (%2) Erstelle eine neue Sicherung auf einem Gerät, das noch angemeldet ist, und stelle diese wieder her.</translation>
    </message>
    <message>
        <source>%1 Nothing was restored; try again when the relay can be reached.</source>
        <translation>%1 Es wurde nichts wiederhergestellt; versuche es erneut, wenn das Relay erreichbar ist.</translation>
    </message>
</context>
<context>
    <name>parley::core::RequestsViewModel</name>
    <message>
        <source>The profile is not open.</source>
        <translation>Das Profil ist nicht geöffnet.</translation>
    </message>
    <message>
        <source>Type a username or user@relay.</source>
        <translation>Geben Sie einen Benutzernamen oder benutzer@relay ein.</translation>
    </message>
</context>
<context>
    <name>parley::core::SearchViewModel</name>
    <message>
        <source>No profile is open.</source>
        <translation>Es ist kein Profil geöffnet.</translation>
    </message>
    <message>
        <source>Recent messages are still being indexed, so some results may be missing. Search again in a moment.</source>
        <translation>Neue Nachrichten werden noch indiziert, daher fehlen vielleicht Ergebnisse. Suchen Sie gleich noch einmal.</translation>
    </message>
</context>
<context>
    <name>parley::core::SessionManager</name>
    <message>
        <source>Disappearing messages take a time between %1 seconds and %2 weeks, or off.</source>
        <translation>Verschwindende Nachrichten brauchen eine Zeit zwischen %1 Sekunden und %2 Wochen, oder aus.</translation>
    </message>
    <message>
        <source>%1 is not a valid username.</source>
        <translation>%1 ist kein gültiger Benutzername.</translation>
    </message>
    <message>
        <source>The profile is not open.</source>
        <translation>Das Profil ist nicht geöffnet.</translation>
    </message>
    <message>
        <source>A message must have 1 to %1 bytes.</source>
        <translation>Eine Nachricht muss 1 bis %1 Bytes haben.</translation>
    </message>
    <message>
        <source>The profile was closed.</source>
        <translation>Das Profil wurde geschlossen.</translation>
    </message>
    <message>
        <source>The safety number with %1 changed. Compare it again and accept the new key before you send.</source>
        <translation>Die Sicherheitsnummer mit %1 hat sich geändert. Vergleichen Sie sie erneut und nehmen Sie den neuen Schlüssel an, bevor Sie senden.</translation>
    </message>
    <message>
        <source>Parley is not connected to the relay.</source>
        <translation>Parley ist nicht mit dem Relay verbunden.</translation>
    </message>
    <message>
        <source>There is no user %1 on this relay.</source>
        <translation>Auf diesem Relay gibt es keinen Benutzer %1.</translation>
    </message>
    <message>
        <source>The relay could not look up %1.</source>
        <translation>Das Relay konnte %1 nicht nachschlagen.</translation>
    </message>
    <message>
        <source>The relay sent damaged keys for %1.</source>
        <translation>Das Relay hat beschädigte Schlüssel für %1 gesendet.</translation>
    </message>
    <message>
        <source>The relay sent keys for %1 that do not verify.</source>
        <translation>Das Relay hat Schlüssel für %1 gesendet, deren Prüfung fehlschlägt.</translation>
    </message>
    <message>
        <source>%1 has no device to write to.</source>
        <translation>%1 hat kein Gerät, an das geschrieben werden kann.</translation>
    </message>
    <message>
        <source>Could not fetch the keys of %1.</source>
        <translation>Die Schlüssel von %1 konnten nicht abgerufen werden.</translation>
    </message>
    <message>
        <source>The keys of %1 do not verify.</source>
        <translation>Die Prüfung der Schlüssel von %1 schlägt fehl.</translation>
    </message>
    <message>
        <source>Could not start a session with %1.</source>
        <translation>Mit %1 konnte keine Sitzung begonnen werden.</translation>
    </message>
    <message>
        <source>The key of %1 changed: accept the new key, then compare the new safety number.</source>
        <translation>Der Schlüssel von %1 hat sich geändert: Nehmen Sie den neuen Schlüssel an und vergleichen Sie dann die neue Sicherheitsnummer.</translation>
    </message>
    <message>
        <source>%1 is not a contact yet.</source>
        <translation>%1 ist noch kein Kontakt.</translation>
    </message>
    <message>
        <source>The safety number with %1 cannot be computed.</source>
        <translation>Die Sicherheitsnummer mit %1 kann nicht berechnet werden.</translation>
    </message>
    <message>
        <source>There is no key change of %1 to accept.</source>
        <translation>Es gibt keine Schlüsseländerung von %1, die angenommen werden kann.</translation>
    </message>
    <message>
        <source>The key of %1 changed again. Compare the new safety number before you accept it.</source>
        <translation>Der Schlüssel von %1 hat sich erneut geändert. Vergleichen Sie die neue Sicherheitsnummer, bevor Sie ihn annehmen.</translation>
    </message>
    <message>
        <source>A reaction must be one emoji of 1 to %1 bytes.</source>
        <translation>Eine Reaktion muss ein Emoji mit 1 bis %1 Bytes sein.</translation>
    </message>
    <message>
        <source>There is no conversation with %1.</source>
        <translation>Es gibt keine Unterhaltung mit %1.</translation>
    </message>
    <message>
        <source>A message id has %1 bytes (%2 hexadecimal digits).</source>
        <translation>Eine Nachrichten-ID hat %1 Bytes (%2 Hexadezimalziffern).</translation>
    </message>
    <message>
        <source>%1 is not a file that can be read.</source>
        <translation>%1 ist keine lesbare Datei.</translation>
    </message>
    <message>
        <source>A file name must have 1 to %1 bytes and no control characters or slashes.</source>
        <translation>Ein Dateiname muss 1 bis %1 Bytes lang sein und darf keine Steuerzeichen oder Schrägstriche enthalten.</translation>
    </message>
    <message>
        <source>%1 is not a valid file type.</source>
        <translation>%1 ist kein gültiger Dateityp.</translation>
    </message>
    <message>
        <source>A thumbnail must have at most %1 bytes.</source>
        <translation>Ein Vorschaubild darf höchstens %1 Bytes groß sein.</translation>
    </message>
    <message>
        <source>A caption must have at most %1 bytes.</source>
        <translation>Eine Bildunterschrift darf höchstens %1 Bytes lang sein.</translation>
    </message>
    <message>
        <source>The profile&apos;s attachments folder cannot be created.</source>
        <translation>Der Anhangsordner des Profils kann nicht angelegt werden.</translation>
    </message>
    <message>
        <source>There is no such file in this conversation.</source>
        <translation>In dieser Unterhaltung gibt es keine solche Datei.</translation>
    </message>
    <message>
        <source>The profile&apos;s attachments folder cannot be written to.</source>
        <translation>In den Anhangsordner des Profils kann nicht geschrieben werden.</translation>
    </message>
    <message>
        <source>Choose where to save the file.</source>
        <translation>Wählen Sie, wo die Datei gespeichert werden soll.</translation>
    </message>
    <message>
        <source>The file has not been downloaded yet.</source>
        <translation>Die Datei wurde noch nicht heruntergeladen.</translation>
    </message>
    <message>
        <source>There is no message request from %1.</source>
        <translation>Es gibt keine Nachrichtenanfrage von %1.</translation>
    </message>
    <message>
        <source>You cannot block yourself.</source>
        <translation>Sie können sich nicht selbst blockieren.</translation>
    </message>
    <message>
        <source>Unknown group operation.</source>
        <translation>Unbekannte Gruppenoperation.</translation>
    </message>
    <message>
        <source>This is not possible in a group yet.</source>
        <translation>Das ist in einer Gruppe noch nicht möglich.</translation>
    </message>
    <message>
        <source>A message id has %1 bytes.</source>
        <translation>Eine Nachrichten-ID hat %1 Bytes.</translation>
    </message>
    <message>
        <source>%1 The file is kept and goes out with the next connection.</source>
        <translation>%1 Die Datei bleibt erhalten und wird mit der nächsten Verbindung gesendet.</translation>
    </message>
    <message>
        <source>%1 is blocked. Unblock them before you send anything.</source>
        <translation>%1 ist blockiert. Heben Sie die Blockierung auf, bevor Sie etwas senden.</translation>
    </message>
    <message>
        <source>Accept the message request from %1 before you reply.</source>
        <translation>Nehmen Sie die Nachrichtenanfrage von %1 an, bevor Sie antworten.</translation>
    </message>
    <message>
        <source>The relay&apos;s key for %1 is not the one the group lists.</source>
        <translation>Der Schlüssel des Relays für %1 ist nicht der, den die Gruppe nennt.</translation>
    </message>
</context>
<context>
    <name>parley::core::SettingsViewModel</name>
    <message>
        <source>Type your current passphrase.</source>
        <translation>Geben Sie Ihre aktuelle Passphrase ein.</translation>
    </message>
    <message>
        <source>Choose a new passphrase: it protects everything Parley keeps on this computer.</source>
        <translation>Wählen Sie eine neue Passphrase: Sie schützt alles, was Parley auf diesem Computer aufbewahrt.</translation>
    </message>
    <message>
        <source>The two new passphrases are not the same.</source>
        <translation>Die beiden neuen Passphrasen stimmen nicht überein.</translation>
    </message>
    <message>
        <source>The new passphrase is the same as the current one.</source>
        <translation>Die neue Passphrase ist dieselbe wie die aktuelle.</translation>
    </message>
    <message>
        <source>Your passphrase was changed.</source>
        <translation>Ihre Passphrase wurde geändert.</translation>
    </message>
    <message>
        <source>This computer remembers the key: Parley opens without the passphrase.</source>
        <translation>Dieser Computer merkt sich den Schlüssel: Parley öffnet ohne die Passphrase.</translation>
    </message>
    <message>
        <source>This computer no longer remembers the key.</source>
        <translation>Dieser Computer merkt sich den Schlüssel nicht mehr.</translation>
    </message>
    <message>
        <source>Disappearing messages take a time between %1 seconds and %2 weeks, or off.</source>
        <translation>Selbstlöschende Nachrichten brauchen eine Zeit zwischen %1 Sekunden und %2 Wochen, oder „Aus“.</translation>
    </message>
    <message>
        <source>New conversations start without disappearing messages.</source>
        <translation>Neue Unterhaltungen beginnen ohne selbstlöschende Nachrichten.</translation>
    </message>
    <message>
        <source>New conversations start with disappearing messages: %1.</source>
        <translation>Neue Unterhaltungen beginnen mit selbstlöschenden Nachrichten: %1.</translation>
    </message>
    <message>
        <source>Choose the file to save the backup in.</source>
        <translation>Wähle die Datei, in der die Sicherung gespeichert wird.</translation>
    </message>
    <message>
        <source>Choose a passphrase for the backup: you need it to restore the backup, and nobody can recover it for you.</source>
        <translation>Wähle eine Passphrase für die Sicherung: Du brauchst sie, um die Sicherung wiederherzustellen, und niemand kann sie für dich wiederherstellen.</translation>
    </message>
    <message>
        <source>The two backup passphrases are not the same.</source>
        <translation>Die beiden Passphrasen für die Sicherung stimmen nicht überein.</translation>
    </message>
    <message>
        <source>The folder %1 does not exist.</source>
        <translation>Der Ordner %1 existiert nicht.</translation>
    </message>
    <message>
        <source>Encrypting the backup into %1…</source>
        <translation>Die Sicherung wird verschlüsselt nach %1 geschrieben …</translation>
    </message>
    <message>
        <source>The backup could not be made: %1</source>
        <translation>Die Sicherung konnte nicht erstellt werden: %1</translation>
    </message>
    <message>
        <source>The backup could not be encrypted: there is not enough memory.</source>
        <translation>Die Sicherung konnte nicht verschlüsselt werden: Es ist nicht genug Arbeitsspeicher frei.</translation>
    </message>
    <message>
        <source>The backup could not be encrypted (%1).</source>
        <translation>Die Sicherung konnte nicht verschlüsselt werden (%1).</translation>
    </message>
    <message>
        <source>The backup could not be written to %1. Choose another folder or free some space.</source>
        <translation>Die Sicherung konnte nicht nach %1 geschrieben werden. Wähle einen anderen Ordner oder schaffe Platz.</translation>
    </message>
    <message>
        <source>The backup is saved in %1 (contacts: %2, messages: %3). Keep its passphrase safe: the backup cannot be opened without it.</source>
        <translation>Die Sicherung ist in %1 gespeichert (Kontakte: %2, Nachrichten: %3). Bewahre ihre Passphrase gut auf: Ohne sie lässt sich die Sicherung nicht öffnen.</translation>
    </message>
</context>
<context>
    <name>parley::core::TimerDuration</name>
    <message>
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <source>1 week</source>
        <translation>1 Woche</translation>
    </message>
    <message>
        <source>%1 weeks</source>
        <translation>%1 Wochen</translation>
    </message>
    <message>
        <source>1 day</source>
        <translation>1 Tag</translation>
    </message>
    <message>
        <source>%1 days</source>
        <translation>%1 Tage</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 Stunde</translation>
    </message>
    <message>
        <source>%1 hours</source>
        <translation>%1 Stunden</translation>
    </message>
    <message>
        <source>1 minute</source>
        <translation>1 Minute</translation>
    </message>
    <message>
        <source>%1 minutes</source>
        <translation>%1 Minuten</translation>
    </message>
    <message>
        <source>1 second</source>
        <translation>1 Sekunde</translation>
    </message>
    <message>
        <source>%1 seconds</source>
        <translation>%1 Sekunden</translation>
    </message>
    <message>
        <source>You turned off disappearing messages.</source>
        <translation>Sie haben verschwindende Nachrichten ausgeschaltet.</translation>
    </message>
    <message>
        <source>%1 turned off disappearing messages.</source>
        <translation>%1 hat verschwindende Nachrichten ausgeschaltet.</translation>
    </message>
    <message>
        <source>You set disappearing messages to %1.</source>
        <translation>Sie haben verschwindende Nachrichten auf %1 gestellt.</translation>
    </message>
    <message>
        <source>%1 set disappearing messages to %2.</source>
        <translation>%1 hat verschwindende Nachrichten auf %2 gestellt.</translation>
    </message>
</context>
<context>
    <name>parley::core::VerificationViewModel</name>
    <message>
        <source>The safety number is not loaded yet.</source>
        <translation>Die Sicherheitsnummer ist noch nicht geladen.</translation>
    </message>
    <message>
        <source>The safety numbers match. You can mark %1 as verified.</source>
        <translation>Die Sicherheitsnummern stimmen überein. Sie können %1 als überprüft markieren.</translation>
    </message>
    <message>
        <source>The safety numbers do not match. Do not mark %1 as verified: one of you sees a different key (or this is your own code).</source>
        <translation>Die Sicherheitsnummern stimmen nicht überein. Markieren Sie %1 nicht als überprüft: Einer von Ihnen sieht einen anderen Schlüssel (oder dies ist Ihr eigener Code).</translation>
    </message>
    <message>
        <source>This code comes from an incompatible version. Compare the digits instead.</source>
        <translation>Dieser Code stammt von einer inkompatiblen Version. Vergleichen Sie stattdessen die Ziffern.</translation>
    </message>
    <message>
        <source>This is not a Parley safety-number code.</source>
        <translation>Dies ist kein Sicherheitsnummer-Code von Parley.</translation>
    </message>
    <message>
        <source>Accept the new key of %1 first, then compare the new safety number.</source>
        <translation>Nehmen Sie zuerst den neuen Schlüssel von %1 an und vergleichen Sie dann die neue Sicherheitsnummer.</translation>
    </message>
</context>
</TS>
