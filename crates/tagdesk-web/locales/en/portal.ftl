# Customer portal — English. Every message here must also exist in every other language
# (a unit test in src/portal/i18n.rs checks it).

## Frame
portal-name = Service portal
skip-to-content = Skip to content
language-switcher = Language
contact-heading = Contact
contact-fallback = If you need help, please contact the team that looks after this device.
required-marker = (required)
error-prefix = Error:
back-to-device = Back to the device
date-format = { $day } { $month } { $year }
month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec

## PIN
pin-title = Enter the site PIN
pin-heading = Enter the site PIN
pin-intro = To see this device and report a problem, enter the 4-digit PIN shown at this site.
pin-label = PIN (4 digits)
pin-submit = Continue
pin-format = Enter exactly 4 digits.
pin-wrong = That PIN is not correct. Please check it and try again.
pin-wrong-locked = { $minutes ->
    [one] That PIN is not correct. For your security, please wait 1 minute before you try again.
   *[other] That PIN is not correct. For your security, please wait { $minutes } minutes before you try again.
}
pin-locked = { $minutes ->
    [one] Too many wrong PINs. Please wait 1 minute and try again.
   *[other] Too many wrong PINs. Please wait { $minutes } minutes and try again.
}
pin-throttled = { $minutes ->
    [one] There have been too many attempts at this site. Please try again later (in about 1 minute) or contact the service team.
   *[other] There have been too many attempts at this site. Please try again later (in about { $minutes } minutes) or contact the service team.
}

## Device page
device-model = Model
device-serial = Serial number
device-site = Site
device-report = Report a problem
device-instructions = How to report a problem
cases-heading = Recent cases for this device
cases-none = There are no recent cases for this device.
cases-intro = If your problem is already listed, add your information to it instead of reporting it again.
case-reported = reported
status-open = Open
status-resolved = Resolved
status-archived = Archived
note-heading = Add information to case #{ $number }
note-intro = Is this your problem too, or do you know more? Tell the service team here instead of reporting it again.
note-summary = I have the same problem / more information
note-label = Your information
note-name = Your name (optional)
note-contact = Your email or phone (optional)
note-contact-help = Only if you would like the service team to contact you about it.
note-submit = Add to case #{ $number }
note-required = Please describe what you noticed.
note-too-long = Please shorten your text to at most 5,000 characters.
note-added = Thank you. Your information was added to case #{ $number }.

## Report form
report-title = Report a problem
report-heading = Report a problem
report-device = Device: { $device }
report-choose = What is the problem about?
report-free = Something else — describe it freely
report-continue = Continue
report-unavailable = Reporting a problem online is not available for this device. Please use the contact details below.
report-kind = Kind of problem: { $kind }
report-change = Choose another kind
report-description = Description
report-description-help = What happened, and what do you see? Please do not include passwords or other secrets.
report-photos = Photos (optional)
report-photos-rule = { $count ->
    [one] You can add 1 photo of up to { $mb } MB (JPEG, PNG or WebP).
   *[other] You can add up to { $count } photos of up to { $mb } MB each (JPEG, PNG or WebP).
}
report-photos-again = Please add your photos again: for your privacy, photos are not kept when the form has to be corrected.
report-photos-too-many = { $count ->
    [one] Please choose at most 1 photo.
   *[other] Please choose at most { $count } photos.
}
report-photo-too-large = { $name } is larger than { $mb } MB. Please choose a smaller photo.
report-photo-rejected = { $name }: { $reason }
contact-section = Your contact details
contact-help-name-and-email-or-phone = Please give your name and an email address or a phone number, so the service team can reach you.
contact-help-name-and-email = Please give your name and an email address, so the service team can reach you.
contact-help-name-and-phone = Please give your name and a phone number, so the service team can reach you.
contact-help-email-or-phone = Please give an email address or a phone number, so the service team can reach you.
contact-help-name-only = Please give your name. An email address or phone number helps the service team reach you.
contact-help-none = Optional: leave your details if you would like the service team to contact you.
contact-name = Name
contact-email = Email
contact-phone = Phone
honeypot-label = Leave this field empty
report-submit = Send report
errors-heading = Please check the form

## Validation messages (from the server)
err-required = This field is required.
err-number = Enter a number, like 12 or 3.5.
err-choice = Choose one of the options.
err-choices = Choose from the options.
err-date = Enter a date as YYYY-MM-DD.
err-too-long = Please use at most { $max } characters.
err-contact-email-or-phone = Please give an email address or a phone number.
err-email = Enter a valid email address, like name@example.com.
err-phone = Enter a valid phone number.
err-name = Please enter your name.
err-email-required = Please enter your email address.
err-phone-required = Please enter your phone number.
err-template = Please choose one of the offered kinds of problem.
err-expired = This form has expired. Please send it again.
err-control = Please remove special control characters from this text.
err-retry = Your report could not be saved. Please send it again.
err-photos-off = Photos cannot be sent here.
err-photos-count = You chose more photos than allowed.
report-photo-unnamed = A photo
photo-heic = HEIC photos are not supported. Please send the photo as JPEG (on iPhone: Settings → Camera → Formats → Most Compatible).
photo-not-a-photo = this file is not a JPEG, PNG or WebP photo.
photo-corrupt = this photo could not be read; the file may be damaged. Please try another photo.
photo-too-many-pixels = this photo has too many pixels. Please send a smaller photo.
photo-failed = this photo could not be processed. Please try again or send another photo.
err-description = Please describe the problem.

## Confirmation
done-title = Report received
done-heading = Thank you — we received your report
done-number = Your case number is #{ $number }.
done-link-heading = Your private status link
done-link-hint = Bookmark this link or save it now — it is shown only this once. It shows the status of your report; anyone who has the link can see it.
duplicate-heading = We already received this report
duplicate-text = This report was already received as case #{ $number }. Nothing else needs to be done.
duplicate-hint = If you saved the private status link earlier, you can follow the case there.

## Follow-up page
follow-title = Case status
follow-heading = Case #{ $number }
follow-status = Status
follow-submitted = Reported on
follow-updates = Updates from the service team
follow-no-updates = There are no updates yet.
follow-private = This page is private: only people with the link can see it.

## Error and notice pages
unknown-title = Label not known
unknown-heading = This label is not known
unknown-text = The link or QR code you used does not lead to a device. Please check that you scanned the whole label, or contact the team that looks after the device.
replaced-title = Label replaced
replaced-heading = This label was replaced
replaced-text = This device has a new label. Please scan the new label, or use the contact details below.
disabled-title = Portal not available
disabled-heading = The service portal is not available
disabled-text = Reporting problems online is not available here at the moment. Please use the contact details below.
follow-unknown-title = Link not known
follow-unknown-heading = This status link is not known
follow-unknown-text = Please check that you copied the whole link. If you need help, contact the team that looks after the device.
csrf-title = Form expired
csrf-heading = This form has expired
csrf-text = For your security, forms stop working after a while or when you enter the PIN again. Please go back, reload the page and try again. Cookies must be allowed for this site.
too-large-title = Too large
too-large-heading = What you sent is too large
too-large-text = Please go back and choose fewer or smaller photos, or shorten your text.
busy-title = Too many requests
busy-heading = Too many reports at the moment
busy-text = { $minutes ->
    [one] Please wait 1 minute and try again, or use the contact details below.
   *[other] Please wait { $minutes } minutes and try again, or use the contact details below.
}
server-title = Something went wrong
server-heading = Something went wrong
server-text = The server could not complete your request. Please try again in a moment. If it keeps happening, use the contact details below.
not-found-title = Page not found
not-found-heading = This page does not exist
not-found-text = Please check the address, or scan the device's label again.
pass-title = Access link
pass-heading = Your access link
pass-text = The service team sent you this link so you can reach this device's service page without the PIN. It works once.
pass-continue = Continue to the device
pass-used-title = Link already used
pass-used-heading = This access link cannot be used
pass-used-text = It was used already or has expired. Enter the PIN, or ask the service team for a new link.
