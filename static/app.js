/* Clientapp's small behaviours, only what htmx and the browser do not do themselves:
   - menus (popovers) move focus by arrow keys; the phone's Menu button opens the links;
   - confirmation dialogs open as modals, close on the closeDialog event, give focus back;
   - notices and alerts can be dismissed, and plain notices fade;
   - Escape in an inline form cancels it (asking first when something was typed);
   - a swap that removes the focused element hands focus to the region's fallback;
   - "select all" ticks a list's row checkboxes;
   - the calendar's days are walked with the arrow keys, into other months too;
   - a request that fails without an answer of ours says so in the alert region.
   No inline script or handler anywhere (the CSP forbids them): everything is delegated from
   document, so fragments swapped in later behave the same. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function alertBox() { return document.getElementById("alerts"); }

  /* Errors: htmx swaps our own error message into #alerts (responseHandling in base.html).
     When the answer had none (a proxy's error page) or there was no answer, say it here. */
  function showAlert(text) {
    var box = alertBox();
    if (!box) return;
    var p = document.createElement("p");
    p.className = "alert";
    var span = document.createElement("span");
    span.textContent = text;
    p.appendChild(span);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button button-quiet button-small";
    close.textContent = "×";
    close.setAttribute("aria-label", document.body.dataset.closeLabel || "Close");
    close.setAttribute("data-dismiss", "");
    p.appendChild(close);
    box.replaceChildren(p);
  }
  document.addEventListener("htmx:beforeRequest", function () {
    var box = alertBox();
    if (box) box.replaceChildren();
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var box = alertBox();
    if (evt.detail.failed && evt.detail.xhr && evt.detail.xhr.status >= 400 && box
        && !box.childElementCount) {
      showAlert(document.body.dataset.errorGeneric);
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showAlert(document.body.dataset.errorNetwork);
  });

  /* Dismiss a notice or an alert; plain notices fade after their time (data-timeout). */
  document.addEventListener("click", function (evt) {
    var dismiss = evt.target.closest("[data-dismiss]");
    if (dismiss) {
      var box = dismiss.closest(".notice, .alert");
      if (box) box.remove();
    }
  });
  function fadeNotices(root) {
    root.querySelectorAll("[data-timeout]").forEach(function (node) {
      var ms = parseInt(node.getAttribute("data-timeout"), 10);
      node.removeAttribute("data-timeout");
      setTimeout(function () { if (node.isConnected) node.remove(); }, ms);
    });
  }

  /* Menus: a button[popovertarget] opens its [role=menu][popover]; the browser handles
     opening, Escape, a click outside and giving focus back. Here: aria-expanded, focus on
     the first (or, by ArrowUp, the last) item, arrows, Home, End. Where the browser cannot
     place a popover by its invoker (no CSS anchor positioning), it is placed here. */
  var anchored = window.CSS && CSS.supports && CSS.supports("position-area: bottom");
  function items(menu) { return Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]")); }
  function invokerOf(menu) { return document.querySelector("[popovertarget='" + menu.id + "']"); }
  var focusLast = false;
  function place(button, menu) {
    var r = button.getBoundingClientRect();
    var w = menu.offsetWidth, h = menu.offsetHeight;
    var vw = document.documentElement.clientWidth, vh = window.innerHeight;
    var top = r.bottom + 4;
    if (top + h > vh - 4 && r.top - h - 4 >= 4) top = r.top - h - 4;
    menu.style.left = Math.max(4, Math.min(r.right - w, vw - w - 4)) + "px";
    menu.style.top = top + "px";
  }
  document.addEventListener("toggle", function (evt) {
    var menu = evt.target;
    if (!menu.matches || !menu.matches("[role=menu][popover]")) return;
    var button = invokerOf(menu);
    var open = evt.newState === "open";
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      if (!anchored && button) place(button, menu);
      var list = items(menu);
      if (list.length) (focusLast ? list[list.length - 1] : list[0]).focus();
    }
    focusLast = false;
  }, true);
  document.addEventListener("keydown", function (evt) {
    var button = evt.target.closest && evt.target.closest("[popovertarget]");
    if (button && (evt.key === "ArrowDown" || evt.key === "ArrowUp")) {
      var target = document.getElementById(button.getAttribute("popovertarget"));
      if (target && target.matches("[role=menu]") && !target.matches(":popover-open")) {
        evt.preventDefault();
        focusLast = evt.key === "ArrowUp";
        target.showPopover();
      }
      return;
    }
    var menu = evt.target.closest && evt.target.closest("[role=menu]");
    if (!menu) return;
    var list = items(menu);
    var i = list.indexOf(document.activeElement);
    if (evt.key === "ArrowDown") { evt.preventDefault(); list[(i + 1) % list.length].focus(); }
    else if (evt.key === "ArrowUp") { evt.preventDefault(); list[(i - 1 + list.length) % list.length].focus(); }
    else if (evt.key === "Home") { evt.preventDefault(); list[0].focus(); }
    else if (evt.key === "End") { evt.preventDefault(); list[list.length - 1].focus(); }
    else if (evt.key === "Tab" && menu.matches(":popover-open")) { menu.hidePopover(); }
  });
  /* An item chosen closes its menu (a link that htmx handles does not navigate away). */
  document.addEventListener("click", function (evt) {
    var item = evt.target.closest("[role=menuitem]");
    var menu = item && item.closest("[role=menu][popover]");
    if (menu && menu.matches(":popover-open")) {
      setTimeout(function () { if (menu.matches(":popover-open")) menu.hidePopover(); }, 0);
    }
  });

  /* The phone's Menu button (a disclosure): a click opens or closes what it controls (the
     CSS hides them while it says collapsed); Escape in them closes them, back on the button. */
  document.addEventListener("click", function (evt) {
    var toggle = evt.target.closest(".menu-toggle");
    if (toggle) toggle.setAttribute("aria-expanded",
      toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
  });
  document.addEventListener("keydown", function (evt) {
    var toggle = document.querySelector(".menu-toggle[aria-expanded=true]");
    if (evt.key !== "Escape" || !toggle || !toggle.getClientRects().length) return;
    var inside = toggle.contains(evt.target) || toggle.getAttribute("aria-controls").split(" ")
      .some(function (id) { var part = document.getElementById(id); return part && part.contains(evt.target); });
    if (!inside) return;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  });

  /* Dialogs: a <dialog data-open-on-load> swapped in opens as a modal; [data-dialog-close]
     or the closeDialog event (sent by the server after a confirmed action) closes it; a
     closed dialog leaves the page and focus goes back to what opened it. */
  var opener = null;
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.matches("[role=menuitem], button, a")) {
      var menu = elt.closest("[role=menu]");
      opener = (menu && invokerOf(menu)) || elt;
    }
  });
  function wireDialogs(root) {
    root.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) {
      dialog.removeAttribute("data-open-on-load");
      var back = opener;
      dialog.addEventListener("close", function () {
        dialog.remove();
        if (back && back.isConnected) back.focus();
      });
      if (!dialog.open) dialog.showModal();
    });
  }
  document.addEventListener("click", function (evt) {
    var closer = evt.target.closest("[data-dialog-close]");
    var dialog = closer && closer.closest("dialog");
    if (dialog) { evt.preventDefault(); dialog.close(); }
  });
  document.addEventListener("closeDialog", function () {
    document.querySelectorAll("dialog[open]").forEach(function (dialog) { dialog.close(); });
  });

  /* A swap that takes away the focused element gives focus to something sensible, not to
     nowhere: back to the Edit button ([data-item-edit]) of the item (li[id]) that was being
     edited or saved, when it is there again; else the new content's [autofocus] (htmx
     focuses it) or its [data-focus-fallback] (a list reloaded after its row was archived). */
  var lost = {};  // by the swapped element's id: the item focus was in, or ""
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var active = document.activeElement;
    var target = evt.detail.target;
    if (!target || !target.id) return;
    if (!active || active === document.body || target.contains(active)) {
      var item = active && active.closest("li[id]");
      lost[target.id] = item && target.contains(item) ? item.id : "";
    } else {
      delete lost[target.id];
    }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var root = evt.detail.elt;
    if (!root || !(root.id in lost)) return;
    var item = lost[root.id] && document.getElementById(lost[root.id]);
    delete lost[root.id];
    var edit = item && item.querySelector("[data-item-edit]");
    if (edit && root.contains(edit)) { edit.focus(); return; }
    var active = document.activeElement;
    if (active && active !== document.body) return;
    // htmx focuses the new content's [autofocus] itself, but not when a later swap's
    // settling got in first: then it is done here.
    var fallback = root.querySelector("[autofocus]") || (root.matches("[data-focus-fallback]")
      ? root : root.querySelector("[data-focus-fallback]"));
    if (fallback) fallback.focus();
  });

  /* Escape in an inline form cancels it as its Cancel link ([data-cancel]) does; when
     something was typed, only if the user agrees to lose it. */
  function changed(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.tagName === "SELECT") {
        var initial = Array.prototype.findIndex.call(el.options, function (o) { return o.defaultSelected; });
        return el.selectedIndex !== (initial < 0 && !el.multiple ? 0 : initial);
      }
      if (el.type === "file") return el.files.length > 0;
      return "defaultValue" in el && el.type !== "hidden" && el.value !== el.defaultValue;
    });
  }
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape" || evt.defaultPrevented || evt.isComposing) return;
    var form = evt.target.closest && evt.target.closest("form");
    var cancel = form && form.querySelector("[data-cancel]");
    if (!cancel || evt.target.closest("dialog, [popover]")) return;
    evt.preventDefault();
    if (changed(form) && !window.confirm(document.body.dataset.discardQuestion)) return;
    cancel.click();
  });

  /* Another button of a section whose inline form holds typed text (Upload documents
     while the notes are being edited) would swap the form away: only if the user agrees
     to lose the text. The form's own Save and Cancel go on as before. */
  document.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail.elt, target = evt.detail.target;
    // A dialog added at the end of the page swaps nothing away.
    if (!elt || !target || elt === target || target === document.body) return;
    var open = Array.prototype.filter.call(target.querySelectorAll("form"), function (form) {
      return form.querySelector("[data-cancel]") && !form.contains(elt) && changed(form);
    });
    if (open.length && !window.confirm(document.body.dataset.discardQuestion)) evt.preventDefault();
  });

  /* "Select all on this page": ticks the row checkboxes of its form. */
  document.addEventListener("change", function (evt) {
    var all = evt.target.closest && evt.target.closest("[data-select-all]");
    if (!all) return;
    document.querySelectorAll("input[type=checkbox][name=ids][form='" +
      all.getAttribute("data-select-all") + "']").forEach(function (box) {
      box.checked = all.checked;
    });
  });

  /* Team discussion: Enter sends, Shift+Enter starts a new line. A message may arrive twice
     (a poll and a send answered at the same moment): the second copy goes. A reader at the
     bottom of the thread stays at the bottom as messages arrive; one reading earlier
     messages keeps their place. */
  document.addEventListener("keydown", function (evt) {
    var box = evt.target;
    if (evt.key !== "Enter" || evt.shiftKey || evt.isComposing || !box.matches ||
        !box.matches("textarea[data-enter-sends]")) return;
    evt.preventDefault();
    if (box.form) box.form.requestSubmit();
  });
  var threadAtBottom = true;
  function thread() { return document.querySelector(".messages-frame"); }
  document.addEventListener("htmx:beforeSwap", function () {
    var frame = thread();
    if (frame) threadAtBottom = frame.scrollHeight - frame.scrollTop - frame.clientHeight < 40;
  });
  function settleThread() {
    var frame = thread();
    if (!frame) return;
    var seen = {};
    frame.querySelectorAll("li.message[id]").forEach(function (item) {
      if (seen[item.id]) item.remove(); else seen[item.id] = true;
    });
    if (threadAtBottom) frame.scrollTop = frame.scrollHeight;
  }
  document.addEventListener("htmx:afterSettle", settleThread);
  document.addEventListener("htmx:oobAfterSwap", settleThread);

  /* Calendar: the arrow keys move between the days' links (one of them is in the tab
     order: a roving tabindex); Enter follows the link, which opens the day. An arrow past
     the grid's edge, and PageUp/PageDown (a month back or on), load the month (or week)
     that holds the day reached and put focus on it. In the agenda (a phone), where days
     without projects are hidden, each arrow moves to the next or previous day shown. */
  var calendarFocus = null;  // the ISO day to focus once the calendar swapped in
  function isoDay(date) { return date.toISOString().slice(0, 10); }
  function dayReached(iso, key, step) {
    var d = new Date(iso + "T00:00:00Z");
    if (key === "PageUp" || key === "PageDown") {
      var day = d.getUTCDate();
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() + (key === "PageDown" ? 1 : -1));
      var last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      d.setUTCDate(Math.min(day, last));
    } else {
      d.setUTCDate(d.getUTCDate() + step);
    }
    return d;
  }
  function openCalendarAt(grid, date) {
    var year = date.getUTCFullYear();
    if (year < 1900 || year > 2200 || !window.htmx) return false;
    var url = new URL(grid.getAttribute("data-calendar-url"), window.location.href);
    url.searchParams.set("year", year);
    url.searchParams.set("month", date.getUTCMonth() + 1);
    url.searchParams.set("day", date.getUTCDate());
    calendarFocus = isoDay(date);
    window.htmx.ajax("GET", url.pathname + url.search, {target: "#calendar", swap: "outerHTML"});
    return true;
  }
  document.addEventListener("keydown", function (evt) {
    var day = evt.target.closest && evt.target.closest("[data-calendar-grid] a[data-day]");
    var key = evt.key;
    var step = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7}[key];
    var paging = key === "PageUp" || key === "PageDown";
    if (!day || !(step || paging) || evt.altKey || evt.ctrlKey || evt.metaKey) return;
    var grid = day.closest("[data-calendar-grid]");
    var days = Array.prototype.slice.call(grid.querySelectorAll("a[data-day]"));
    var shown = days.filter(function (d) { return d.getClientRects().length; });
    var agenda = shown.length < days.length;
    if (agenda && step) { days = shown; step = step > 0 ? 1 : -1; }
    var next = step ? days[days.indexOf(day) + step] : null;
    if (next) {
      evt.preventDefault();
      day.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
      return;
    }
    if (agenda && !paging) return;
    if (openCalendarAt(grid, dayReached(day.getAttribute("data-day"), key, step))) {
      evt.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (!calendarFocus || !evt.detail.elt || evt.detail.elt.id !== "calendar") return;
    var target = evt.detail.elt.querySelector("a[data-day='" + calendarFocus + "']");
    calendarFocus = null;
    if (!target || !target.getClientRects().length) return;
    evt.detail.elt.querySelectorAll("a[data-day][tabindex='0']").forEach(function (d) { d.tabIndex = -1; });
    target.tabIndex = 0;
    target.focus();
  });

  // Documents: an upload shows its progress on the form's <progress>; files dropped onto
  // a section with an upload form are sent through it (the file input works without JS).
  document.addEventListener("htmx:xhr:progress", function (evt) {
    var form = evt.target.closest && evt.target.closest(".upload-form");
    var bar = form && form.querySelector(".upload-progress");
    if (!bar || !evt.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round(evt.detail.loaded / evt.detail.total * 100);
  });
  // Once answered, the bar goes (an answer that does not replace the form, such as a
  // refusal shown elsewhere, must not leave it at 100 %), and a refused file is unchosen.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest(".upload-form");
    if (!form || !form.isConnected) return;
    var bar = form.querySelector(".upload-progress");
    if (bar) { bar.hidden = true; bar.value = 0; }
    if (evt.detail.failed) form.querySelector("input[type=file]").value = "";
  });
  function dropZone(evt) {
    var zone = evt.target.closest && evt.target.closest("[data-drop-upload]");
    return zone && zone.querySelector(".upload-form") ? zone : null;
  }
  document.addEventListener("dragover", function (evt) {
    var zone = dropZone(evt);
    if (!zone || !evt.dataTransfer || Array.prototype.indexOf.call(evt.dataTransfer.types, "Files") < 0) return;
    evt.preventDefault();
    zone.classList.add("drop-active");
  });
  document.addEventListener("dragleave", function (evt) {
    var zone = dropZone(evt);
    if (zone && !zone.contains(evt.relatedTarget)) zone.classList.remove("drop-active");
  });
  document.addEventListener("drop", function (evt) {
    var zone = dropZone(evt);
    if (!zone || !evt.dataTransfer || !evt.dataTransfer.files.length) return;
    evt.preventDefault();
    zone.classList.remove("drop-active");
    var form = zone.querySelector(".upload-form");
    form.querySelector("input[type=file]").files = evt.dataTransfer.files;
    form.requestSubmit();
  });

  /* input[data-came-from]: the page this one was opened from (same site only), so that
     a write that takes this page away can go back there. */
  function fillCameFrom(root) {
    var from = document.referrer && new URL(document.referrer);
    if (!from || from.origin !== window.location.origin) return;
    root.querySelectorAll("input[data-came-from]").forEach(function (input) {
      input.value = from.pathname + from.search;
    });
  }

  document.addEventListener("htmx:load", function (evt) {
    var root = evt.detail.elt.parentNode || document;
    fillCameFrom(root);
    wireDialogs(root);
    fadeNotices(root);
  });
  document.addEventListener("DOMContentLoaded", function () {
    fillCameFrom(document);
    settleThread();
    wireDialogs(document);
    fadeNotices(document);
  });
})();
