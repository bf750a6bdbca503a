/* Clientapp's small behaviours: error messages for htmx, menus, dialogs, notices.
   No inline script or handler anywhere (the CSP forbids them): everything is delegated
   from document so fragments swapped in later behave the same. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function alertBox() { return document.getElementById("alerts"); }

  function showAlert(text, link) {
    var box = alertBox();
    if (!box) return;
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "alert";
    p.textContent = text + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = link.getAttribute("href");
      a.textContent = link.textContent;
      p.appendChild(a);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button button-quiet button-small";
    close.textContent = "×";
    close.setAttribute("aria-label", document.body.dataset.closeLabel || "Close");
    close.addEventListener("click", function () { box.textContent = ""; });
    p.appendChild(close);
    box.appendChild(p);
  }

  /* An error the server answered (403, 404, 409, 429, 500…): show its own message.
     The error page carries it in data-error-message; never swap a page into a fragment. */
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    var text = document.body.dataset.errorGeneric;
    var link = null;
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var node = doc.querySelector("[data-error-message]");
      if (node) {
        text = node.getAttribute("data-error-message");
        link = node.querySelector("a[href]");  /* e.g. "Reload the page" */
      }
    } catch (e) { /* keep the generic message */ }
    showAlert(text, link);
  });
  document.addEventListener("htmx:sendError", function () {
    showAlert(document.body.dataset.errorNetwork);
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = alertBox();
    if (box) box.textContent = "";
  });

  /* Menus: a button[aria-haspopup=menu][aria-controls] and its [role=menu] (hidden until
     opened). Enter, Space or ArrowDown opens; arrows move; Escape closes and returns focus;
     a click outside closes. Without JavaScript nojs.css shows the items as plain links. */
  function items(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]"));
  }
  function menuOf(button) { return document.getElementById(button.getAttribute("aria-controls")); }
  /* An open menu floats (position: fixed) under its button, or above it when there is no
     room below: inside a table that scrolls sideways it would otherwise be clipped by the
     scroller (a row menu on the last rows was cut off). Positions are set through CSSOM,
     which the CSP allows; the stylesheet has the rest (.menu-floating). */
  function placeMenu(button, menu) {
    var r = button.getBoundingClientRect();
    menu.classList.add("menu-floating");
    var w = menu.offsetWidth, h = menu.offsetHeight;
    var vw = document.documentElement.clientWidth, vh = window.innerHeight;
    var left = Math.max(4, Math.min(r.right - w, vw - w - 4));
    var top = r.bottom + 4;
    if (top + h > vh - 4 && r.top - h - 4 >= 4) top = r.top - h - 4;
    menu.style.left = left + "px";
    menu.style.top = top + "px";
  }
  function unplaceMenu(menu) {
    menu.classList.remove("menu-floating");
    menu.style.left = "";
    menu.style.top = "";
  }
  function placeOpenMenus() {
    document.querySelectorAll("[aria-haspopup=menu][aria-expanded=true]").forEach(function (b) {
      var menu = menuOf(b);
      if (menu && !menu.hidden) placeMenu(b, menu);
    });
  }
  window.addEventListener("scroll", placeOpenMenus, {capture: true, passive: true});
  window.addEventListener("resize", placeOpenMenus, {passive: true});
  function closeMenu(button, refocus) {
    var menu = menuOf(button);
    if (menu) { menu.hidden = true; unplaceMenu(menu); }
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }
  function closeAllMenus(except) {
    document.querySelectorAll("[aria-haspopup=menu][aria-expanded=true]").forEach(function (b) {
      if (b !== except) closeMenu(b, false);
    });
  }
  function openMenu(button, focusLast) {
    closeAllMenus(button);
    var menu = menuOf(button);
    if (!menu) return;
    menu.hidden = false;
    placeMenu(button, menu);
    button.setAttribute("aria-expanded", "true");
    var list = items(menu);
    if (list.length) (focusLast ? list[list.length - 1] : list[0]).focus();
  }
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[aria-haspopup=menu]");
    if (button) {
      evt.preventDefault();
      if (button.getAttribute("aria-expanded") === "true") closeMenu(button, false);
      else openMenu(button, false);
      return;
    }
    var item = evt.target.closest("[role=menuitem]");
    if (item) {
      var menu = item.closest("[role=menu]");
      var owner = menu && document.querySelector("[aria-controls='" + menu.id + "']");
      if (owner) setTimeout(function () { closeMenu(owner, false); }, 0);
      return;
    }
    if (!evt.target.closest("[role=menu]")) closeAllMenus(null);
  });
  document.addEventListener("keydown", function (evt) {
    var button = evt.target.closest && evt.target.closest("[aria-haspopup=menu]");
    if (button && (evt.key === "ArrowDown" || evt.key === "ArrowUp")) {
      evt.preventDefault();
      openMenu(button, evt.key === "ArrowUp");
      return;
    }
    var menu = evt.target.closest && evt.target.closest("[role=menu]");
    if (!menu) return;
    var owner = document.querySelector("[aria-controls='" + menu.id + "']");
    var list = items(menu);
    var i = list.indexOf(document.activeElement);
    if (evt.key === "ArrowDown") { evt.preventDefault(); list[(i + 1) % list.length].focus(); }
    else if (evt.key === "ArrowUp") { evt.preventDefault(); list[(i - 1 + list.length) % list.length].focus(); }
    else if (evt.key === "Home") { evt.preventDefault(); list[0].focus(); }
    else if (evt.key === "End") { evt.preventDefault(); list[list.length - 1].focus(); }
    else if (evt.key === "Escape") { evt.preventDefault(); if (owner) closeMenu(owner, true); }
    else if (evt.key === "Tab") { if (owner) closeMenu(owner, false); }
  });

  /* Dialogs: a <dialog data-open-on-load> swapped in opens as a modal; any
     [data-dialog-close] inside closes it; a closed dialog leaves the page and focus goes
     back to what opened it. */
  var opener = null;
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (evt.detail.elt && evt.detail.elt.matches("[role=menuitem], button, a")) opener = evt.detail.elt;
  });
  function wireDialogs(root) {
    root.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) {
      dialog.removeAttribute("data-open-on-load");
      var back = opener;
      if (back && back.closest("[role=menu]")) {
        var m = back.closest("[role=menu]");
        back = document.querySelector("[aria-controls='" + m.id + "']") || back;
      }
      dialog.addEventListener("close", function () {
        dialog.remove();
        if (back && document.body.contains(back)) back.focus();
      });
      if (!dialog.open) dialog.showModal();
    });
  }
  document.addEventListener("click", function (evt) {
    var closer = evt.target.closest("[data-dialog-close]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) { evt.preventDefault(); dialog.close(); }
    }
  });
  document.addEventListener("htmx:load", function (evt) { wireDialogs(evt.detail.elt.parentNode || document); });
  document.addEventListener("DOMContentLoaded", function () { wireDialogs(document); });

  /* Notices that offer Undo fade after their time (data-timeout, in ms). */
  document.addEventListener("htmx:load", function (evt) {
    var root = evt.detail.elt.parentNode || document;
    root.querySelectorAll("[data-timeout]").forEach(function (node) {
      var ms = parseInt(node.getAttribute("data-timeout"), 10);
      node.removeAttribute("data-timeout");
      setTimeout(function () { if (node.parentNode) node.remove(); }, ms);
    });
  });

  /* Focus the first field marked data-focus in content just swapped in (an inline form). */
  document.addEventListener("htmx:afterSettle", function (evt) {
    var target = evt.detail.elt;
    var field = target && target.querySelector && target.querySelector("[data-focus]");
    if (field) field.focus();
  });
})();
