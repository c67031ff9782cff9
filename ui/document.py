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
    "Add files": "Lägg till filer",
}
# Streamlit's English texts that are read on the page (not names): the file uploader's and the title
# of the message for an unknown address. Sizes ("274.0B", "25MB per file") and the message itself
# are rewritten by pattern in SCRIPT.
ENGLISH_TEXTS = {
    "Drag and drop file here": "Dra och släpp en fil här",
    "Drag and drop a file here": "Dra och släpp en fil här",
    "Drag and drop files here": "Dra och släpp filer här",
    "Upload": "Välj fil",
    "Browse files": "Välj fil",
    "Page not found": "Sidan finns inte",
    "add icon": "lägg till",
}
SCRIPT = r"""
(() => {
  const names = %s;
  const texts = %s;
  const size = (text) => text.replace(/\b(\d+(?:\.\d+)?)\s?(B|KB|MB|GB)\b/g, (_, number, unit) =>
    `${Number(number).toLocaleString("sv-SE", {maximumFractionDigits: 1})}\u00a0${unit === "KB" ? "kB" : unit}`);
  const fix = () => {
    if (document.documentElement.lang !== "sv") document.documentElement.lang = "sv";
    for (const element of document.querySelectorAll("[aria-label]")) {
      const name = element.getAttribute("aria-label");
      const swedish = names[name] ?? (name.startsWith("Help for ") ? "Hjälp om " + name.slice(9)
        : name.startsWith("Remove ") ? "Ta bort " + name.slice(7)
        : element.matches('[data-testid="stFileChip"]') ? size(name) : null);
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
  // Streamlit's own English texts that a person reads: the file uploader and the message for an
  // unknown address. Only these places are searched, so a page's own text is never touched.
  const translate = (text) => {
    const trimmed = text.trim();
    if (texts[trimmed]) return texts[trimmed];
    const missing = trimmed.match(/^(?:You have requested page \/(.*), but no corresponding file was found in the app's pages\/ directory|The page that you have requested does not seem to exist)\. Running the app's main page\.$/);
    if (missing) return (missing[1] ? `Sidan /${missing[1]} finns inte i Styrkort.` : "Sidan finns inte i Styrkort.") + " Startsidan visas i stället.";
    if (/\bper file$/.test(trimmed)) return size(trimmed.replace(/per file$/, "per fil"));
    if (/^\d+(?:\.\d+)?(B|KB|MB|GB)$/.test(trimmed)) return size(trimmed);
    return null;
  };
  // The overview's own address, /oversikt, is the main page, which Streamlit serves at / only: it
  // says "Page not found" and then shows the main page, the overview. A page loaded at /oversikt
  // (the address of the document, which Streamlit changes afterwards) closes that message unread.
  const loaded = new URL(performance.getEntriesByType("navigation")[0]?.name || location.href).pathname;
  const swedish = () => {
    if (loaded.endsWith("/oversikt") && !window.styrkortOverviewFound) {
      const dialog = document.querySelector('[role="dialog"]');
      const close = dialog && /Page not found|Sidan finns inte/.test(dialog.textContent) && dialog.querySelector("button[aria-label]");
      if (close) {
        window.styrkortOverviewFound = true;
        close.click();
      }
    }
    for (const place of document.querySelectorAll('[data-testid="stFileUploader"], [role="dialog"]')) {
      const walker = document.createTreeWalker(place, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = translate(node.textContent);
        if (text !== null && text !== node.textContent) node.textContent = text;
      }
    }
  };
  const all = () => { fix(); swedish(); };
  all();
  // One history entry per view: Streamlit adds one for every change of the address, also for each
  // filter a run writes to it (4–7 Back presses per view). A change within the same view replaces
  // the entry; opening another view (another path) adds one.
  if (!window.styrkortHistory) {
    window.styrkortHistory = history.pushState;
    history.pushState = function (state, title, url) {
      const target = url == null ? location : new URL(url, location.href);
      if (target.pathname === location.pathname) return history.replaceState(state, title, url);
      return window.styrkortHistory.call(history, state, title, url);
    };
  }
  if (!window.styrkortDocument) {
    // At most once a frame: a chart adds hundreds of nodes, and each mutation batch would run it again.
    let pending = false;
    window.styrkortDocument = new MutationObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; all(); });
    });
    window.styrkortDocument.observe(document.body, {childList: true, subtree: true, characterData: true});
  }
})();
""" % (json.dumps(ENGLISH_NAMES, ensure_ascii=False), json.dumps(ENGLISH_TEXTS, ensure_ascii=False))


def document_semantics(where: DeltaGenerator) -> None:
    """Run ``SCRIPT`` in the browser from an element in ``where`` that draws nothing (hidden by
    ``ui.components.page_style``). Never the first element of the main area: Streamlit shows a
    loading skeleton there while a page is found, and the element was lost under it; the frame puts
    it in the sidebar, the sign-in page after its title."""
    where.html(f"<span id='styrkort-document' hidden></span><script>{SCRIPT}</script>", unsafe_allow_javascript=True)
