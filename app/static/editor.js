/* Broadside writing desk: progressive enhancement of the post and page forms.
 *
 * Without this script the form is a plain textarea with Save and Preview buttons and works fully.
 * With it: a Markdown toolbar, a growing body field, live word count and reading time, a live
 * preview beside the text (a tab on phones), text direction following the chosen language,
 * autosave to the server every 30 s and on leaving, and a warning before leaving unsaved changes.
 * No framework, no inline handlers (the Content-Security-Policy forbids them).
 */
(function () {
  "use strict";

  var WORDS_PER_MINUTE = 200;
  var AUTOSAVE_MS = 30000;

  function $(selector, root) { return (root || document).querySelector(selector); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function countWords(source) {
    // Markdown syntax is not words: drop link targets, images' addresses, markers and tags.
    var text = source
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, " ")
      .replace(/[#>*_`~|\-]+/g, " ");
    var words = text.match(/[\p{L}\p{N}][\p{L}\p{N}\p{M}'’\u200c.,]*/gu);
    return words ? words.length : 0;
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  /* ---------- text direction follows the language ---------- */
  function directionFor(select) {
    var rtl = (select.getAttribute("data-rtl-languages") || "").split(" ");
    var code = (select.value || "").split("-")[0].toLowerCase();
    return rtl.indexOf(code) >= 0 ? "rtl" : "ltr";
  }

  function followLanguage(form, targets) {
    var select = form.querySelector("select[data-rtl-languages]");
    if (!select) { return; }
    function apply() {
      var dir = directionFor(select);
      targets().forEach(function (node) {
        if (node) { node.setAttribute("dir", dir); node.setAttribute("lang", select.value); }
      });
    }
    select.addEventListener("change", apply);
    apply();
  }

  /* ---------- toolbar ---------- */
  function surround(textarea, before, after, placeholder) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var value = textarea.value;
    var chosen = value.slice(start, end) || placeholder;
    textarea.setRangeText(before + chosen + after, start, end, "end");
    textarea.selectionStart = start + before.length;
    textarea.selectionEnd = start + before.length + chosen.length;
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function prefixLines(textarea, prefix) {
    var value = textarea.value;
    var start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var end = textarea.selectionEnd;
    var block = value.slice(start, end) || "";
    var lines = block.split("\n").map(function (line, i) {
      var p = typeof prefix === "function" ? prefix(i) : prefix;
      return line.indexOf(p) === 0 ? line : p + line;
    });
    textarea.setRangeText(lines.join("\n"), start, end, "end");
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var ACTIONS = {
    bold: { label: "Bold", key: "b", text: "B", run: function (t) { surround(t, "**", "**", "bold text"); } },
    italic: { label: "Italic", key: "i", text: "I", run: function (t) { surround(t, "_", "_", "italic text"); } },
    link: {
      label: "Link", key: "k", text: "Link",
      run: function (t) { surround(t, "[", "](https://)", "link text"); }
    },
    heading: { label: "Heading", text: "H", run: function (t) { prefixLines(t, "## "); } },
    list: { label: "Bulleted list", text: "• List", run: function (t) { prefixLines(t, "- "); } },
    quote: { label: "Quote", text: "“ Quote", run: function (t) { prefixLines(t, "> "); } },
    image: {
      label: "Image", text: "Image",
      // A hook for the media library: a listener for "broadside:insert-image" on the textarea may
      // call preventDefault() and insert the chosen image itself (event.detail.insert(markdown)).
      run: function (t) {
        var event = new CustomEvent("broadside:insert-image", {
          bubbles: true, cancelable: true,
          detail: { textarea: t, insert: function (markdown) { surround(t, markdown, "", ""); } }
        });
        if (t.dispatchEvent(event)) { surround(t, "![", "](https://)", "description of the image"); }
      }
    }
  };

  function buildToolbar(textarea) {
    var bar = el("div", { "class": "editor__toolbar", role: "toolbar", "aria-label": "Formatting",
      "aria-controls": textarea.id });
    Object.keys(ACTIONS).forEach(function (name) {
      var action = ACTIONS[name];
      var button = el("button", { type: "button", "class": "editor__tool editor__tool--" + name,
        "data-action": name, title: action.label + (action.key ? " (Ctrl+" + action.key.toUpperCase() + ")" : ""),
        "aria-label": action.label }, action.text);
      button.addEventListener("click", function () { action.run(textarea); });
      bar.appendChild(button);
    });
    textarea.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) { return; }
      Object.keys(ACTIONS).forEach(function (name) {
        if (ACTIONS[name].key && event.key.toLowerCase() === ACTIONS[name].key) {
          event.preventDefault();
          ACTIONS[name].run(textarea);
        }
      });
    });
    return bar;
  }

  /* ---------- growing field, stats, preview ---------- */
  function grow(textarea) {
    if (CSS.supports && CSS.supports("field-sizing", "content")) { return; }
    textarea.style.height = "auto";
    textarea.style.height = Math.max(textarea.scrollHeight + 4, 384) + "px";
  }

  function setupEditor(form, editor) {
    var textarea = editor.querySelector("textarea");
    if (!textarea) { return null; }
    editor.classList.add("editor--enhanced");
    var wrap = el("div", { "class": "editor__panes" });
    var writePane = el("div", { "class": "editor__pane editor__pane--write", id: "editor-write" });
    // Not a live region: a screen reader would otherwise read the article at every keystroke.
    var previewPane = el("div", { "class": "editor__pane editor__pane--preview", id: "editor-preview",
      role: "region", "aria-label": "Live preview" });
    var previewBody = el("div", { "class": "prose editor__preview" });
    previewPane.appendChild(el("p", { "class": "editor__preview-label" }, "Preview"));
    previewPane.appendChild(previewBody);

    var tabs = el("div", { "class": "editor__tabs", role: "tablist", "aria-label": "Editor view" });
    var writeTab = el("button", { type: "button", role: "tab", "aria-selected": "true",
      "aria-controls": "editor-write", "class": "editor__tab" }, "Write");
    var previewTab = el("button", { type: "button", role: "tab", "aria-selected": "false",
      "aria-controls": "editor-preview", "class": "editor__tab" }, "Preview");
    tabs.appendChild(writeTab);
    tabs.appendChild(previewTab);

    var stats = el("p", { "class": "editor__stats", "aria-live": "polite", id: "editor-stats" });

    // Move the textarea's field into the write pane, keeping its label and errors.
    var fieldNode = textarea.closest(".field") || textarea;
    fieldNode.parentNode.insertBefore(wrap, fieldNode);
    writePane.appendChild(buildToolbar(textarea));
    writePane.appendChild(fieldNode);
    writePane.appendChild(stats);
    editor.insertBefore(tabs, wrap);
    wrap.appendChild(writePane);
    wrap.appendChild(previewPane);
    textarea.setAttribute("aria-describedby",
      ((textarea.getAttribute("aria-describedby") || "") + " editor-stats").trim());

    function select(tab) {
      var showPreview = tab === previewTab;
      writeTab.setAttribute("aria-selected", String(!showPreview));
      previewTab.setAttribute("aria-selected", String(showPreview));
      editor.classList.toggle("editor--show-preview", showPreview);
      if (showPreview) { refreshPreview(); }
    }
    writeTab.addEventListener("click", function () { select(writeTab); });
    previewTab.addEventListener("click", function () { select(previewTab); });

    function updateStats() {
      var words = countWords(textarea.value);
      var minutes = Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
      stats.textContent = words + (words === 1 ? " word" : " words") + " · " +
        (words ? minutes + " min read" : "nothing written yet");
    }

    var previewTimer = null, previewSent = null;
    function refreshPreview() {
      var url = editor.getAttribute("data-preview-url");
      if (!url || textarea.value === previewSent) { return; }
      previewSent = textarea.value;
      var body = new FormData();
      body.append("body", textarea.value);
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          // The server renders with the same sanitiser as on save: this HTML is safe.
          previewBody.innerHTML = data.html;
        })
        .catch(function () {
          previewSent = null;
          previewBody.textContent = "The preview could not be loaded. Use the Preview button.";
        });
    }

    textarea.addEventListener("input", function () {
      grow(textarea);
      updateStats();
      clearTimeout(previewTimer);
      previewTimer = setTimeout(refreshPreview, 700);
    });
    window.addEventListener("resize", function () { grow(textarea); });
    grow(textarea);
    updateStats();
    refreshPreview();
    return { textarea: textarea, preview: previewBody };
  }

  /* ---------- autosave, unsaved-change warning ---------- */
  function setupAutosave(form, textarea) {
    var url = form.getAttribute("data-autosave-url");
    var saved = snapshot();
    var lastAutosaved = saved;
    var submitting = false;
    var status = el("p", { "class": "editor__autosave", role: "status" });
    var actions = form.querySelector(".form-actions");
    if (actions) { actions.appendChild(status); }

    function snapshot() {
      var data = new FormData(form);
      data.delete("csrf_token");
      var parts = [];
      data.forEach(function (value, key) { if (typeof value === "string") { parts.push(key + "=" + value); } });
      return parts.join("\n");
    }

    function payload() {
      var data = new FormData(form);
      ["save", "preview", "restore_autosave"].forEach(function (name) { data.delete(name); });
      return data;
    }

    function autosave(leaving) {
      var current = snapshot();
      if (!url || current === lastAutosaved || current === saved) { return; }
      lastAutosaved = current;
      if (leaving && navigator.sendBeacon) {
        navigator.sendBeacon(url, payload());
        return;
      }
      fetch(url, { method: "POST", body: payload(), credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 401 || response.status === 400 || response.redirected) {
            lastAutosaved = null;
            status.textContent = "Your session seems to have ended. Your text is kept in this " +
              "browser: save, log in again when asked, and it is offered back.";
            return null;
          }
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          if (data) { status.textContent = "Draft copy saved at " + data.saved_at_local + "."; }
        })
        .catch(function () {
          lastAutosaved = null;
          status.textContent = "Autosave failed; keep this page open and save when you can.";
        });
    }

    if (url) {
      setInterval(function () { autosave(false); }, AUTOSAVE_MS);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden" && !submitting) { autosave(true); }
      });
    }
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || snapshot() === saved) { return undefined; }
      if (url) { autosave(true); }
      event.preventDefault();
      event.returnValue = "";
      return "";
    });
    return { autosave: autosave };
  }

  /* ---------- a copy in this browser, for when the session ends before saving ---------- */
  var LOCAL_FIELDS = ["title", "body", "excerpt", "tags", "slug"];

  function readFields(form) {
    var fields = {};
    LOCAL_FIELDS.forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input && typeof input.value === "string") { fields[name] = input.value; }
    });
    return fields;
  }

  function sameFields(a, b, names) {
    return (names || LOCAL_FIELDS).every(function (name) { return (a[name] || "") === (b[name] || ""); });
  }

  function setupLocalCopy(form) {
    var key = form.getAttribute("data-local-key");
    var store;
    try { store = window.localStorage; store.getItem(key); } catch (e) { return; }
    if (!key) { return; }
    var loaded = readFields(form);
    // A new post's copy is obsolete once the created post shows the same text.
    var newKey = key.replace(/-\d+$/, "-new");
    [key, newKey].forEach(function (k) {
      var raw = store.getItem(k);
      // (The slug is filled in on saving, so only the writer's text decides.)
      if (raw && sameFields(JSON.parse(raw).fields || {}, loaded, ["title", "body"])) { store.removeItem(k); }
    });

    var raw = store.getItem(key);
    if (raw) {
      var copy = JSON.parse(raw);
      var offer = el("div", { "class": "autosave-offer autosave-offer--local", role: "note" });
      offer.appendChild(el("p", {}, "This browser kept text from " +
        new Date(copy.at).toLocaleString() + " that was never saved (for example because your " +
        "session ended)."));
      var restore = el("button", { type: "button", "class": "button" }, "Restore that text");
      var discard = el("button", { type: "button", "class": "button button--secondary" }, "Discard it");
      offer.appendChild(restore);
      offer.appendChild(document.createTextNode(" "));
      offer.appendChild(discard);
      form.insertBefore(offer, form.firstChild);
      restore.addEventListener("click", function () {
        LOCAL_FIELDS.forEach(function (name) {
          var input = form.elements.namedItem(name);
          if (input && name in copy.fields) {
            input.value = copy.fields[name];
            input.dispatchEvent(new Event("input", { bubbles: true }));
          }
        });
        offer.remove();
      });
      discard.addEventListener("click", function () { store.removeItem(key); offer.remove(); });
    }

    var timer = null;
    function keep() {
      var fields = readFields(form);
      if (sameFields(fields, loaded)) { return; }
      try { store.setItem(key, JSON.stringify({ at: Date.now(), fields: fields })); } catch (e) { /* full */ }
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(keep, 800); });
    form.addEventListener("submit", keep);
  }

  /* ---------- "Translation of": search as you type ---------- */
  function setupLookup(form) {
    var select = form.querySelector("select[data-lookup-url]");
    if (!select) { return; }
    var url = select.getAttribute("data-lookup-url");
    var language = form.querySelector("select[name=language]");
    var box = el("div", { "class": "lookup" });
    var input = el("input", { type: "search", id: select.id + "-search", "class": "lookup__input",
      role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": select.id + "-results", autocomplete: "off",
      placeholder: "Type part of a title…" });
    var list = el("ul", { id: select.id + "-results", role: "listbox", "class": "lookup__results",
      "aria-label": "Matching posts" });
    var clear = el("button", { type: "button", "class": "link-button lookup__clear" }, "Not a translation");
    var chosen = select.options[select.selectedIndex];
    input.value = chosen && chosen.value ? chosen.textContent : "";
    box.appendChild(input);
    box.appendChild(clear);
    box.appendChild(list);
    select.parentNode.insertBefore(box, select);
    select.hidden = true;
    var label = form.querySelector("label[for=" + select.id + "]");
    if (label) { label.setAttribute("for", input.id); }

    function choose(id, text) {
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === String(id); });
      if (!option) { option = new Option(text, id); select.add(option); }
      select.value = String(id);
      input.value = id ? text : "";
      close();
    }
    function close() { list.innerHTML = ""; input.setAttribute("aria-expanded", "false"); }
    clear.addEventListener("click", function () { choose("", ""); input.focus(); });

    var timer = null, active = -1;
    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      active = Math.max(-1, Math.min(index, items.length - 1));
      Array.prototype.forEach.call(items, function (item, i) {
        item.setAttribute("aria-selected", String(i === active));
        if (i === active) { input.setAttribute("aria-activedescendant", item.id); }
      });
    }
    function search() {
      var query = input.value.trim();
      if (query.length < 2) { close(); return; }
      var params = new URLSearchParams({ q: query, exclude: select.getAttribute("data-exclude") || "",
        not_lang: language ? language.value : "" });
      fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          close();
          data.results.forEach(function (result, i) {
            var item = el("li", { role: "option", id: select.id + "-option-" + i, "aria-selected": "false",
              lang: result.language }, result.label);
            item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(result.id, result.label); });
            list.appendChild(item);
          });
          if (!data.results.length) { list.appendChild(el("li", { "class": "lookup__none" }, "No matching post.")); }
          input.setAttribute("aria-expanded", "true");
          active = -1;
        });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 250); });
    input.addEventListener("keydown", function (event) {
      var items = list.querySelectorAll("[role=option]");
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && active >= 0 && items[active]) {
        event.preventDefault();
        items[active].dispatchEvent(new MouseEvent("mousedown"));
      } else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init() {
    var form = $("form[data-editor-form]");
    if (!form) { return; }
    setupLocalCopy(form);
    setupLookup(form);
    var editor = $(".editor", form);
    var parts = editor ? setupEditor(form, editor) : null;
    followLanguage(form, function () {
      return [
        form.querySelector("input[name=title]"),
        form.querySelector("textarea[name=body]"),
        form.querySelector("textarea[name=excerpt]"),
        parts ? parts.preview : null
      ];
    });
    window.broadsideEditor = setupAutosave(form, parts ? parts.textarea : null);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
