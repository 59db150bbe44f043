"""Wagtail's admin phrases that the project's own catalogue words differently.

Wagtail builds some phrases from a model's name, e.g. "Add %(model_name)s". In Russian the name
would have to change its case ("Добавить кампанию"), which a placeholder cannot do, so those
phrases are translated with the name set apart instead ("Добавить: кампания"). The project's
catalogue (LOCALE_PATHS) takes precedence over Wagtail's; naming the phrases here keeps
`make messages` from dropping them as unused.
"""

from django.utils.translation import gettext_noop

PHRASES = (
    gettext_noop("Add %(model_name)s"),
    gettext_noop("Add %(label)s"),
    gettext_noop("New: %(model_name)s"),
    gettext_noop("Create a new %(model_name)s"),
    gettext_noop("Choose %(object)s"),
    gettext_noop("Choose another %(object)s"),
    gettext_noop("Edit this %(object)s"),
    gettext_noop("There are no %(model_name)s to display."),
    gettext_noop("No %(model_name)s match your query."),
    gettext_noop("%(model_name)s '%(object)s' created."),
    gettext_noop("%(model_name)s '%(object)s' updated."),
    gettext_noop("%(model_name)s '%(object)s' deleted."),
    gettext_noop("%(model_name)s '%(object)s' created and published."),
    gettext_noop("%(model_name)s '%(object)s' updated and published."),
    gettext_noop("Are you sure you want to delete this %(model_name)s?"),
    gettext_noop("Publish %(model_name)s"),
    gettext_noop("Translate %(model_name)s"),
)
