// Progressive enhancement only: every form works without this file.
// Offers "use my location" where the browser can tell it: the coordinates go
// into the form, and the area they lie in is chosen in the area list (the
// server's pick: GET /api/v1/areas/nearest), said aloud in #located (a live
// region); the resident can still choose another. Without this script the
// server makes the same pick when a form comes with coordinates and no area.
(function () {
  var button = document.getElementById("locate");
  var lat = document.getElementById("lat");
  var lng = document.getElementById("lng");
  if (!button || !lat || !lng || !navigator.geolocation) return;
  var done = document.getElementById("located");
  var area = document.getElementById("area");
  function say(text) {
    if (done) done.textContent = text || "";
  }
  // The chosen option as the resident sees it: its district, then its label.
  function label(option) {
    var group = option.parentNode;
    var district = group && group.tagName === "OPTGROUP" ? group.label + " · " : "";
    return district + option.textContent;
  }
  function choose(body) {
    var option = null;
    if (body && area) {
      Array.prototype.forEach.call(area.options, function (o) {
        if (o.value && o.value === body.area) option = o;
      });
    }
    if (!option) {
      say(done && done.dataset.none);
      return;
    }
    // An area the resident chose is kept; one an earlier press chose is not.
    if (area.value && area.value !== area.dataset.picked) {
      say(done && done.dataset.kept.replace("{area}", label(option)));
      return;
    }
    area.value = option.value;
    area.dataset.picked = option.value;
    // Others listening (the similar-concern check) learn of the change.
    area.dispatchEvent(new Event("change", { bubbles: true }));
    say(done && done.dataset.area.replace("{area}", label(option)));
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6);
      lng.value = p.coords.longitude.toFixed(6);
      say(done && done.dataset.done);
      if (!area || !window.fetch) return;
      fetch("/api/v1/areas/nearest?lat=" + encodeURIComponent(lat.value) +
        "&lng=" + encodeURIComponent(lng.value))
        .then(function (r) {
          // 404: nothing near. Anything else that is not an answer (a limit,
          // a fault) says the area could not be found.
          if (r.status === 404) return null;
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(choose)
        .catch(function () { say(done && done.dataset.failed); });
    }, function () {
      // Refused or timed out: say so, the area is chosen by hand.
      say(done && done.dataset.failed);
    });
  });
})();

// On the public report form: while the resident writes, show open concerns in
// the same street that look like the same problem, each with a "same problem"
// button that follows it instead of filing again. The server makes the same
// check when the form is sent without this script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("report-form");
  var box = document.getElementById("similar-live");
  var confirm = document.getElementById("confirm_new");
  if (!form || !box || !confirm || !window.fetch) return;
  var area = document.getElementById("area");
  var title = document.getElementById("title");
  var description = document.getElementById("description");
  var submit = document.getElementById("report-submit");
  var timer = null;
  // Shown just above the submit button, where the resident ends up.
  if (submit) form.insertBefore(box, submit);
  function el(tag, text) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    return e;
  }
  function show(list) {
    box.textContent = "";
    if (!list.length) {
      box.hidden = true;
      return;
    }
    box.className = "similar";
    box.appendChild(el("h2", box.dataset.title));
    box.appendChild(el("p", box.dataset.help));
    var ul = el("ul");
    list.forEach(function (s) {
      var li = el("li");
      li.appendChild(el("strong", s.title));
      li.appendChild(el("span", " " + s.area + " "));
      // Sends this form (its token, name and phone) to "same problem" instead.
      var b = el("button", box.dataset.same);
      b.type = "submit";
      b.name = "follow";
      b.value = s.follow;
      b.className = "same-problem";
      b.formAction = "/report/same";
      b.formMethod = "post";
      b.formEnctype = "application/x-www-form-urlencoded";
      b.formNoValidate = true;
      li.appendChild(b);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.hidden = false;
    // The resident has seen them; sending the form files a new concern.
    confirm.value = "1";
  }
  function check() {
    var text = (title.value + " " + description.value).trim();
    if (text.length < 4 || !area.value) return;
    var url = "/api/v1/similar?area=" + encodeURIComponent(area.value) +
      "&text=" + encodeURIComponent(text.slice(0, 2100));
    fetch(url).then(function (r) { return r.ok ? r.json() : { similar: [] }; })
      .then(function (body) { show(body.similar || []); })
      .catch(function () {});
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 600);
  }
  [title, description].forEach(function (i) { if (i) i.addEventListener("input", later); });
  if (area) area.addEventListener("change", later);
});

// Issue 26: a field with a limit (data-max) counts its characters as they are
// typed; the server refuses longer text with a message instead of cutting it.
document.addEventListener("DOMContentLoaded", function () {
  var fields = document.querySelectorAll("[data-max]");
  Array.prototype.forEach.call(fields, function (f) {
    var max = parseInt(f.getAttribute("data-max"), 10);
    if (!max) return;
    var counter = document.createElement("span");
    counter.className = "counter";
    counter.id = f.id + "-count";
    counter.setAttribute("aria-live", "polite");
    f.parentNode.insertBefore(counter, f.nextSibling);
    function update() {
      var n = Array.from(f.value).length;
      counter.textContent = n + " / " + max;
      counter.classList.toggle("over", n > max);
    }
    f.addEventListener("input", update);
    update();
  });
});

// Issue 26: the tracking page offers to copy the code where the browser can.
document.addEventListener("DOMContentLoaded", function () {
  var b = document.getElementById("copy-code");
  if (!b || !navigator.clipboard) return;
  b.hidden = false;
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(b.dataset.code).then(function () {
      b.textContent = b.dataset.done;
      // Said to screen readers too (a live region beside the button).
      var said = document.getElementById("copy-done");
      if (said) said.textContent = b.dataset.done;
    });
  });
});

// Drafts kept on the device (issue 29, made generic by issue 30): any form
// with data-draft="key" keeps what is typed in this browser (localStorage,
// "xs-draft:" + key) as it is typed, so a lost connection, a closed tab or a
// refused form loses nothing. When the page opens again showing other text
// than the browser kept, the kept text comes back: at once, or, where the
// form has a data-draft-restore button (a proposal, whose saved text the
// server also keeps), when that button is pressed. A form sent is remembered
// for one page: when the next page comes from that submission and does not
// show an error, the form was accepted and the kept text is dropped. Without
// this script the forms are simply submitted.
document.addEventListener("DOMContentLoaded", function () {
  var store = null;
  try {
    store = window.localStorage;
  } catch (e) {}
  if (!store) return;
  var SENT = "xs-draft-sent";
  var here = location.href.split("#")[0];
  var nav = performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  var shownError = !!document.querySelector("main p.error, main [aria-invalid='true']");
  var sent = null;
  try {
    sent = JSON.parse(sessionStorage.getItem(SENT) || "null");
    sessionStorage.removeItem(SENT);
  } catch (e) {}
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "_csrf" &&
        ["hidden", "submit", "button", "file", "password", "reset"].indexOf(el.type) < 0;
    });
  }
  function id(el) {
    return el.type === "checkbox" || el.type === "radio" ? el.name + "=" + el.value : el.name;
  }
  function typed(form) {
    var o = {};
    fields(form).forEach(function (el) {
      o[id(el)] = el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
    });
    return o;
  }
  function same(form, kept) {
    return fields(form).every(function (el) {
      var k = kept[id(el)];
      if (el.type === "checkbox" || el.type === "radio") return k === undefined || k === el.checked;
      return (k || "") === el.value;
    });
  }
  function put(form, kept) {
    fields(form).forEach(function (el) {
      var k = kept[id(el)];
      if (el.type === "checkbox" || el.type === "radio") {
        if (typeof k === "boolean") el.checked = k;
      } else if (typeof k === "string") {
        el.value = k;
      }
      // Counters and the like follow the field.
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
  // The page after a form was sent: accepted unless the form is back with an error.
  if (sent && sent.key && document.referrer === sent.from && !(nav && nav.type === "back_forward")) {
    var again = document.querySelector("form[data-draft='" + sent.key.replace(/'/g, "") + "']");
    if (!again || !shownError) {
      try {
        store.removeItem("xs-draft:" + sent.key);
      } catch (e) {}
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), function (form) {
    var name = "xs-draft:" + form.getAttribute("data-draft");
    var kept = null;
    try {
      kept = JSON.parse(store.getItem(name) || "null");
    } catch (e) {
      kept = null;
    }
    var offer = form.querySelector("[data-draft-restore]");
    if (kept && !same(form, kept)) {
      if (offer) {
        offer.hidden = false;
        offer.addEventListener("click", function () {
          put(form, kept);
          offer.hidden = true;
        });
      } else {
        put(form, kept);
        var note = form.querySelector("[data-draft-note]");
        if (note) note.hidden = false;
      }
    } else if (kept && offer) {
      // The server shows the same text: nothing to offer back.
      store.removeItem(name);
    }
    function keep() {
      try {
        store.setItem(name, JSON.stringify(typed(form)));
      } catch (e) {}
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", function () {
      try {
        sessionStorage.setItem(SENT, JSON.stringify({ key: form.getAttribute("data-draft"), from: here }));
      } catch (e) {}
    });
  });
});

// Proposal drafts, saved to the server as they are typed (issue 29): after a
// pause in typing the draft form is posted to its autosave address; the
// browser keeps the text (above) until the server has it, and posts again
// when the connection comes back. Each save refreshes the similar past
// proposals and open concerns shown beside the draft.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("draft-form");
  var status = document.getElementById("autosave-status");
  if (!form || !status || !window.fetch) return;
  var action = form.getAttribute("action") || "";
  var m = action.match(/^\/proposals\/(\d+)\/save$/);
  if (!m) return;
  var url = "/proposals/" + m[1] + "/autosave";
  var timer = null;
  var pending = false;
  function body() {
    var data = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== "then" && el.type !== "submit") data.append(el.name, el.value);
    });
    return data;
  }
  function refreshSimilar() {
    var box = document.getElementById("similar");
    if (!box || !box.dataset.src) return;
    fetch(box.dataset.src, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        [["similar-proposals", j.proposals], ["similar-concerns", j.concerns]].forEach(function (pair) {
          var ul = document.getElementById(pair[0]);
          if (!ul) return;
          while (ul.firstChild) ul.removeChild(ul.firstChild);
          if (!pair[1] || pair[1].length === 0) {
            var none = document.createElement("li");
            none.className = "muted";
            none.textContent = ul.dataset.none || "";
            ul.appendChild(none);
            return;
          }
          pair[1].forEach(function (s) {
            var li = document.createElement("li");
            if (s.href) {
              var a = document.createElement("a");
              a.href = s.href;
              a.textContent = s.title;
              li.appendChild(a);
            } else {
              li.appendChild(document.createTextNode(s.title));
            }
            var st = document.createElement("span");
            st.className = "muted";
            st.textContent = " " + s.state + (s.href ? "" : " · " + s.detail);
            li.appendChild(st);
            if (s.href && s.detail) {
              li.appendChild(document.createElement("br"));
              var d = document.createElement("span");
              d.className = "muted";
              d.textContent = s.detail;
              li.appendChild(d);
            }
            ul.appendChild(li);
          });
        });
      })
      .catch(function () {});
  }
  function save() {
    timer = null;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body().toString(),
    })
      .then(function (r) {
        pending = false;
        if (r.status === 204) {
          var t = new Date();
          var hh = ("0" + t.getHours()).slice(-2);
          var mm = ("0" + t.getMinutes()).slice(-2);
          status.textContent = status.dataset.saved + " " + hh + ":" + mm;
          try {
            localStorage.removeItem("xs-draft:" + (form.getAttribute("data-draft") || action));
          } catch (e) {}
          refreshSimilar();
        } else {
          return r.json().then(function (j) {
            status.textContent = j && j.message ? j.message : "";
          });
        }
      })
      .catch(function () {
        pending = true;
        status.textContent = status.dataset.offline;
      });
  }
  form.addEventListener("input", function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 1500);
  });
  window.addEventListener("online", function () {
    if (pending) save();
  });
});
