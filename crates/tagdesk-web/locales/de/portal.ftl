# Kundenportal — Deutsch. Jede Nachricht muss es in jeder Sprache geben
# (ein Test in src/portal/i18n.rs prüft das).

## Rahmen
portal-name = Serviceportal
skip-to-content = Zum Inhalt springen
language-switcher = Sprache
contact-heading = Kontakt
contact-fallback = Wenn Sie Hilfe brauchen, wenden Sie sich bitte an das Team, das dieses Gerät betreut.
required-marker = (Pflichtfeld)
error-prefix = Fehler:
back-to-device = Zurück zum Gerät
date-format = { $day }. { $month } { $year }
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember

## PIN
pin-title = Standort-PIN eingeben
pin-heading = Standort-PIN eingeben
pin-intro = Um dieses Gerät zu sehen und ein Problem zu melden, geben Sie die 4-stellige PIN ein, die an diesem Standort aushängt.
pin-label = PIN (4 Ziffern)
pin-submit = Weiter
pin-format = Bitte geben Sie genau 4 Ziffern ein.
pin-wrong = Diese PIN ist nicht richtig. Bitte prüfen Sie sie und versuchen Sie es erneut.
pin-wrong-locked = { $minutes ->
    [one] Diese PIN ist nicht richtig. Zu Ihrer Sicherheit warten Sie bitte 1 Minute, bevor Sie es erneut versuchen.
   *[other] Diese PIN ist nicht richtig. Zu Ihrer Sicherheit warten Sie bitte { $minutes } Minuten, bevor Sie es erneut versuchen.
}
pin-locked = { $minutes ->
    [one] Zu viele falsche PINs. Bitte warten Sie 1 Minute und versuchen Sie es dann erneut.
   *[other] Zu viele falsche PINs. Bitte warten Sie { $minutes } Minuten und versuchen Sie es dann erneut.
}
pin-throttled = { $minutes ->
    [one] An diesem Standort gab es zu viele Versuche. Bitte versuchen Sie es später erneut (in etwa 1 Minute) oder wenden Sie sich an das Serviceteam.
   *[other] An diesem Standort gab es zu viele Versuche. Bitte versuchen Sie es später erneut (in etwa { $minutes } Minuten) oder wenden Sie sich an das Serviceteam.
}

## Geräteseite
device-model = Modell
device-serial = Seriennummer
device-site = Standort
device-report = Problem melden
device-instructions = So melden Sie ein Problem
cases-heading = Aktuelle Meldungen zu diesem Gerät
cases-none = Zu diesem Gerät gibt es keine aktuellen Meldungen.
cases-intro = Ist Ihr Problem schon aufgeführt? Dann ergänzen Sie bitte die vorhandene Meldung, statt es noch einmal zu melden.
case-reported = gemeldet am
status-open = Offen
status-resolved = Gelöst
status-archived = Archiviert
note-heading = Informationen zu Meldung #{ $number } hinzufügen
note-intro = Haben Sie dasselbe Problem oder wissen Sie mehr? Schreiben Sie es hier dem Serviceteam, statt es noch einmal zu melden.
note-summary = Ich habe dasselbe Problem / weitere Informationen
note-label = Ihre Informationen
note-name = Ihr Name (freiwillig)
note-contact = Ihre E-Mail oder Telefonnummer (freiwillig)
note-contact-help = Nur wenn das Serviceteam Sie dazu kontaktieren soll.
note-submit = Zu Meldung #{ $number } hinzufügen
note-required = Bitte beschreiben Sie, was Ihnen aufgefallen ist.
note-too-long = Bitte kürzen Sie Ihren Text auf höchstens 5.000 Zeichen.
note-added = Danke. Ihre Informationen wurden zu Meldung #{ $number } hinzugefügt.

## Meldeformular
report-title = Problem melden
report-heading = Problem melden
report-device = Gerät: { $device }
report-choose = Worum geht es?
report-free = Etwas anderes — frei beschreiben
report-continue = Weiter
report-unavailable = Für dieses Gerät können Probleme nicht online gemeldet werden. Bitte nutzen Sie die Kontaktdaten unten.
report-kind = Art des Problems: { $kind }
report-change = Andere Art wählen
report-description = Beschreibung
report-description-help = Was ist passiert, und was sehen Sie? Bitte geben Sie keine Passwörter oder andere Geheimnisse an.
report-photos = Fotos (freiwillig)
report-photos-rule = { $count ->
    [one] Sie können 1 Foto mit höchstens { $mb } MB hinzufügen (JPEG, PNG oder WebP).
   *[other] Sie können bis zu { $count } Fotos mit je höchstens { $mb } MB hinzufügen (JPEG, PNG oder WebP).
}
report-photos-again = Bitte fügen Sie Ihre Fotos noch einmal hinzu: Zum Schutz Ihrer Privatsphäre werden Fotos nicht aufbewahrt, wenn das Formular korrigiert werden muss.
report-photos-too-many = { $count ->
    [one] Bitte wählen Sie höchstens 1 Foto.
   *[other] Bitte wählen Sie höchstens { $count } Fotos.
}
report-photo-too-large = { $name } ist größer als { $mb } MB. Bitte wählen Sie ein kleineres Foto.
report-photo-rejected = { $name }: { $reason }
contact-section = Ihre Kontaktdaten
contact-help-name-and-email-or-phone = Bitte geben Sie Ihren Namen und eine E-Mail-Adresse oder Telefonnummer an, damit das Serviceteam Sie erreichen kann.
contact-help-name-and-email = Bitte geben Sie Ihren Namen und eine E-Mail-Adresse an, damit das Serviceteam Sie erreichen kann.
contact-help-name-and-phone = Bitte geben Sie Ihren Namen und eine Telefonnummer an, damit das Serviceteam Sie erreichen kann.
contact-help-email-or-phone = Bitte geben Sie eine E-Mail-Adresse oder Telefonnummer an, damit das Serviceteam Sie erreichen kann.
contact-help-name-only = Bitte geben Sie Ihren Namen an. Mit E-Mail-Adresse oder Telefonnummer kann das Serviceteam Sie leichter erreichen.
contact-help-none = Freiwillig: Hinterlassen Sie Ihre Daten, wenn das Serviceteam Sie kontaktieren soll.
contact-name = Name
contact-email = E-Mail
contact-phone = Telefon
honeypot-label = Dieses Feld bitte leer lassen
report-submit = Meldung senden
errors-heading = Bitte prüfen Sie das Formular

## Prüfmeldungen (vom Server)
err-required = Dieses Feld ist ein Pflichtfeld.
err-number = Geben Sie eine Zahl ein, zum Beispiel 12 oder 3,5.
err-choice = Wählen Sie eine der Möglichkeiten.
err-choices = Wählen Sie aus den Möglichkeiten.
err-date = Geben Sie ein Datum im Format JJJJ-MM-TT ein.
err-too-long = Bitte verwenden Sie höchstens { $max } Zeichen.
err-contact-email-or-phone = Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an.
err-email = Geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@example.com.
err-phone = Geben Sie eine gültige Telefonnummer ein.
err-name = Bitte geben Sie Ihren Namen an.
err-email-required = Bitte geben Sie Ihre E-Mail-Adresse an.
err-phone-required = Bitte geben Sie Ihre Telefonnummer an.
err-template = Bitte wählen Sie eine der angebotenen Arten von Problemen.
err-expired = Dieses Formular ist abgelaufen. Bitte senden Sie es noch einmal.
err-control = Bitte entfernen Sie Steuerzeichen aus diesem Text.
err-retry = Ihre Meldung konnte nicht gespeichert werden. Bitte senden Sie sie noch einmal.
err-photos-off = Hier können keine Fotos gesendet werden.
err-photos-count = Sie haben mehr Fotos gewählt als erlaubt.
report-photo-unnamed = Ein Foto
photo-heic = HEIC-Fotos werden nicht unterstützt. Bitte senden Sie das Foto als JPEG (auf dem iPhone: Einstellungen → Kamera → Formate → Maximale Kompatibilität).
photo-not-a-photo = diese Datei ist kein JPEG-, PNG- oder WebP-Foto.
photo-corrupt = dieses Foto konnte nicht gelesen werden; die Datei ist vielleicht beschädigt. Bitte versuchen Sie ein anderes Foto.
photo-too-many-pixels = dieses Foto hat zu viele Pixel. Bitte senden Sie ein kleineres Foto.
photo-failed = dieses Foto konnte nicht verarbeitet werden. Bitte versuchen Sie es erneut oder senden Sie ein anderes Foto.
err-description = Bitte beschreiben Sie das Problem.

## Bestätigung
done-title = Meldung erhalten
done-heading = Danke — wir haben Ihre Meldung erhalten
done-number = Ihre Meldungsnummer ist #{ $number }.
done-link-heading = Ihr privater Status-Link
done-link-hint = Setzen Sie jetzt ein Lesezeichen oder speichern Sie diesen Link — er wird nur dieses eine Mal angezeigt. Er zeigt den Stand Ihrer Meldung; jede Person mit dem Link kann ihn sehen.
duplicate-heading = Diese Meldung haben wir schon erhalten
duplicate-text = Diese Meldung ist bereits als #{ $number } eingegangen. Sie müssen nichts weiter tun.
duplicate-hint = Wenn Sie den privaten Status-Link gespeichert haben, können Sie die Meldung dort verfolgen.

## Statusseite
follow-title = Stand der Meldung
follow-heading = Meldung #{ $number }
follow-status = Status
follow-submitted = Gemeldet am
follow-updates = Neuigkeiten vom Serviceteam
follow-no-updates = Es gibt noch keine Neuigkeiten.
follow-private = Diese Seite ist privat: Nur Personen mit dem Link können sie sehen.

## Fehler- und Hinweisseiten
unknown-title = Etikett unbekannt
unknown-heading = Dieses Etikett ist nicht bekannt
unknown-text = Der Link oder QR-Code führt zu keinem Gerät. Bitte prüfen Sie, ob Sie das ganze Etikett gescannt haben, oder wenden Sie sich an das Team, das das Gerät betreut.
replaced-title = Etikett ersetzt
replaced-heading = Dieses Etikett wurde ersetzt
replaced-text = Dieses Gerät hat ein neues Etikett. Bitte scannen Sie das neue Etikett oder nutzen Sie die Kontaktdaten unten.
disabled-title = Portal nicht verfügbar
disabled-heading = Das Serviceportal ist nicht verfügbar
disabled-text = Probleme können hier zurzeit nicht online gemeldet werden. Bitte nutzen Sie die Kontaktdaten unten.
follow-unknown-title = Link unbekannt
follow-unknown-heading = Dieser Status-Link ist nicht bekannt
follow-unknown-text = Bitte prüfen Sie, ob Sie den ganzen Link kopiert haben. Wenn Sie Hilfe brauchen, wenden Sie sich an das Team, das das Gerät betreut.
csrf-title = Formular abgelaufen
csrf-heading = Dieses Formular ist abgelaufen
csrf-text = Zu Ihrer Sicherheit funktionieren Formulare nur eine gewisse Zeit oder bis Sie die PIN erneut eingeben. Bitte gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es noch einmal. Cookies müssen für diese Seite erlaubt sein.
too-large-title = Zu groß
too-large-heading = Ihre Sendung ist zu groß
too-large-text = Bitte gehen Sie zurück und wählen Sie weniger oder kleinere Fotos, oder kürzen Sie Ihren Text.
busy-title = Zu viele Anfragen
busy-heading = Gerade gibt es zu viele Meldungen
busy-text = { $minutes ->
    [one] Bitte warten Sie 1 Minute und versuchen Sie es erneut, oder nutzen Sie die Kontaktdaten unten.
   *[other] Bitte warten Sie { $minutes } Minuten und versuchen Sie es erneut, oder nutzen Sie die Kontaktdaten unten.
}
server-title = Etwas ist schiefgegangen
server-heading = Etwas ist schiefgegangen
server-text = Der Server konnte Ihre Anfrage nicht ausführen. Bitte versuchen Sie es gleich noch einmal. Wenn das wiederholt passiert, nutzen Sie die Kontaktdaten unten.
not-found-title = Seite nicht gefunden
not-found-heading = Diese Seite gibt es nicht
not-found-text = Bitte prüfen Sie die Adresse oder scannen Sie das Etikett des Geräts noch einmal.
pass-title = Zugangslink
pass-heading = Ihr Zugangslink
pass-text = Das Service-Team hat Ihnen diesen Link geschickt, damit Sie die Serviceseite dieses Geräts ohne PIN erreichen. Er funktioniert einmal.
pass-continue = Weiter zum Gerät
pass-used-title = Link bereits verwendet
pass-used-heading = Dieser Zugangslink kann nicht verwendet werden
pass-used-text = Er wurde bereits verwendet oder ist abgelaufen. Geben Sie die PIN ein oder bitten Sie das Service-Team um einen neuen Link.
