"""The document around the views: its language, and menu lists that assistive technology reads right."""

from __future__ import annotations

import json

from streamlit.delta_generator import DeltaGenerator

# Streamlit draws its sidebar menu with sections as <ul><div>header<li>…</li></div></ul>: lists that
# screen readers announce wrongly (axe-core: "list", "listitem"). Each section becomes the list,
# named by its header. The document is Swedish (Streamlit's index.html says lang="en"), and so are
# the accessible names Streamlit gives its own controls (ENGLISH_NAMES). React redraws the menu on
# a page change, so an observer applies all this again after every redraw.
ENGLISH_NAMES = {
    "Skip to main content": "Hoppa till huvudinnehållet",
    "Sidebar": "Sidofält",
    "Collapse sidebar": "Fäll ihop sidofältet",
    "Expand sidebar": "Fäll ut sidofältet",
    "App pages": "Vyer",
    "Main menu": "Huvudmeny",
    "Open": "Öppna listan",
    "Close": "Stäng",
    "Clear all": "Rensa",
    "Clear value": "Rensa",
    "Link to heading": "Länk till rubriken",
    "Show/hide columns": "Visa eller dölj kolumner",
    "Download as CSV": "Ladda ner som CSV",
    "Search": "Sök",
    "Fullscreen": "Helskärm",
    "Close fullscreen": "Stäng helskärm",
    "file upload": "Välj fil",
}
SCRIPT = """
(() => {
  const names = %s;
  const fix = () => {
    if (document.documentElement.lang !== "sv") document.documentElement.lang = "sv";
    for (const element of document.querySelectorAll("[aria-label]")) {
      const name = element.getAttribute("aria-label");
      const swedish = names[name] ?? (name.startsWith("Help for ") ? "Hjälp om " + name.slice(9) : null);
      if (swedish) element.setAttribute("aria-label", swedish);
    }
    for (const link of document.querySelectorAll("a")) {
      if (link.childElementCount === 0 && names[link.textContent] && link.textContent !== names[link.textContent]) link.textContent = names[link.textContent];
    }
    const menu = document.querySelector('[data-testid="stSidebarNavItems"]');
    if (!menu || !menu.querySelector(":scope > div")) return;
    menu.setAttribute("role", "none");
    for (const section of menu.querySelectorAll(":scope > div")) {
      section.setAttribute("role", "list");
      const header = section.querySelector(":scope > :not(li)");
      if (header) {
        const label = header.cloneNode(true);
        label.querySelectorAll('[data-testid="stIconMaterial"]').forEach((icon) => icon.remove());
        section.setAttribute("aria-label", label.textContent.trim());
        header.setAttribute("aria-hidden", "true");
      }
    }
  };
  fix();
  if (!window.styrkortDocument) {
    window.styrkortDocument = new MutationObserver(fix);
    window.styrkortDocument.observe(document.body, {childList: true, subtree: true});
  }
})();
""" % json.dumps(ENGLISH_NAMES, ensure_ascii=False)


def document_semantics(where: DeltaGenerator) -> None:
    """Run ``SCRIPT`` in the browser from an element in ``where`` that draws nothing (hidden by
    ``ui.components.page_style``). Never the first element of the main area: Streamlit shows a
    loading skeleton there while a page is found, and the element was lost under it; the frame puts
    it in the sidebar, the sign-in page after its title."""
    where.html(f"<span id='styrkort-document' hidden></span><script>{SCRIPT}</script>", unsafe_allow_javascript=True)
