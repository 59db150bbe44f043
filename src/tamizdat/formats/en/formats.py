# Dates as the reading pages write them, "1 December 2026", on receipts and in the admin alike
# (Django's English default is the American "Dec. 1, 2026").
DATE_FORMAT = "j F Y"
