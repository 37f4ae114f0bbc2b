"""The Jinja2 environment the pages render with, translated per request.

One environment serves every request, on several worker threads at once, so
it cannot hold a language: `_`, `gettext` and `ngettext` read the request's
from the template context (`language`) each time they are called.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from pbengine.pages.deps import language_cookie
from pbengine.pages.i18n import Language, languages


@pass_context
def _gettext(context: Context, message: str) -> str:
    language: Language = context["language"]
    return language.translations.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    language: Language = context["language"]
    return language.translations.ngettext(singular, plural, n)


def language_link(request: Request[Any, Any, Any], code: str) -> str:
    """The same page in language `code`: its query kept, `lang` replaced.

    A page answering a form post (a review, a confirmation) cannot be fetched again, so
    its link leads to the form it came from.
    """
    path = request.url.path
    if request.method != "GET":
        path = re.sub(r"/(review|cast)$", "", path)
        return f"{path}?{urlencode({'lang': code})}"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{path}?{urlencode([*kept, ('lang', code)])}"


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pbengine.pages", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        # A misspelt variable is a bug to see in the tests, not an empty space on a page.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle: translations are escaped like any other value and take %(name)s variables.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.globals["language_link"] = language_link
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def page(name: str, language: Language, status: int = 200, **context: Any) -> Template:
    """A page in the request's language, with what every page's frame needs."""
    return Template(
        template_name=name,
        context={
            "language": language,
            "languages": [Language(code) for code in languages()],
            **context,
        },
        status_code=status,
        cookies=[language_cookie(language)] if language.remember else None,
    )
