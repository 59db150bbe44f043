from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_global_admin_js")
def start_date_choosers_without_inline_script() -> str:
    return format_html('<script src="{}"></script>', static("news/admin/choosers.js"))
