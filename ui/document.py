"""The document around the views: its language, and menu lists that assistive technology reads right."""

from __future__ import annotations

from streamlit.delta_generator import DeltaGenerator

# Streamlit draws its sidebar menu with sections as <ul><div>header<li>…</li></div></ul>: lists that
# screen readers announce wrongly (axe-core: "list", "listitem"). Each section becomes the list,
# named by its header. And the document is Swedish (Streamlit's index.html says lang="en"). React
# redraws the menu on a page change, so an observer applies this again after every redraw.
SCRIPT = """
(() => {
  const fix = () => {
    if (document.documentElement.lang !== "sv") document.documentElement.lang = "sv";
    const menu = document.querySelector('[data-testid="stSidebarNavItems"]');
    if (!menu || !menu.querySelector(":scope > div")) return;
    menu.setAttribute("role", "none");
    for (const section of menu.querySelectorAll(":scope > div")) {
      section.setAttribute("role", "list");
      const header = section.querySelector(":scope > :not(li)");
      if (header) {
        section.setAttribute("aria-label", header.textContent.trim());
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
"""


def document_semantics(where: DeltaGenerator) -> None:
    """Run ``SCRIPT`` in the browser from an element in ``where`` that draws nothing (hidden by
    ``ui.components.page_style``). Never the first element of the main area: Streamlit shows a
    loading skeleton there while a page is found, and the element was lost under it; the frame puts
    it in the sidebar, the sign-in page after its title."""
    where.html(f"<span id='styrkort-document' hidden></span><script>{SCRIPT}</script>", unsafe_allow_javascript=True)
