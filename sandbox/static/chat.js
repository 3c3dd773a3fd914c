// The sandbox chat: plays a Telegram client against the fake Bot API's user-side JSON API.
// State lives on the server; this page only long-polls it and sends what the person does.
(() => {
  "use strict";

  const API = location.pathname.replace(/\/+$/, "") + "/api";
  const STORAGE_KEY = "viche-sandbox";
  const LANGUAGES = ["uk", "en", "de", "pl", "cs", "fr", "sv"];
  const MAX_UPLOAD = 20 * 1024 * 1024;
  const $ = (selector) => document.querySelector(selector);
  // Drawn, not emoji: a machine without an emoji font would show empty boxes.
  const ICONS = {
    document: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" d="M6 3h8l4 4v14H6zM14 3v4h4"/></svg>',
    pin: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" style="vertical-align:-3px"><path fill="currentColor" d="M12 22s-7-6.4-7-12a7 7 0 0114 0c0 5.6-7 12-7 12zm0-9.5a2.5 2.5 0 100-5 2.5 2.5 0 000 5z"/></svg>',
  };

  const list = $("#messages");
  let person = loadPerson();
  let version = -1;
  let pollRun = 0;
  let answersSeen = null;
  let dismissedKeyboard = null;
  const shown = new Map(); // message_id -> {key, element}

  function loadPerson() {
    try { return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {}; } catch { return {}; }
  }
  function savePerson() { localStorage.setItem(STORAGE_KEY, JSON.stringify(person)); }
  // Below 2^31 so that any integer column can hold it, and far from the ids tests use.
  function newChatId() { return 100000000 + Math.floor(Math.random() * 1900000000); }
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---- talking to the server ------------------------------------------------------------

  async function post(action, body) {
    const response = await fetch(`${API}/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ chat_id: person.chatId, ...body }),
    });
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail; } catch { /* not JSON */ }
      const message = typeof detail === "string" ? detail : JSON.stringify(detail);
      showToast(message, true);
      throw new Error(message);
    }
    return response.json();
  }

  const sendText = (text) =>
    post("send_text", { text, first_name: person.name, language_code: person.language });
  const sendLocation = (latitude, longitude) => post("send_location", { latitude, longitude });
  // A request_contact button shares the person's own contact (Telegram fills its user_id with theirs).
  const sendContact = (phone_number) => post("send_contact", { phone_number });

  async function poll() {
    const run = ++pollRun;
    while (run === pollRun) {
      try {
        const url = `${API}/messages?chat_id=${person.chatId}&since=${version}&wait=10`;
        const response = await fetch(url, { cache: "no-store" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const data = await response.json();
        if (run !== pollRun) return;
        render(data);
      } catch (error) {
        $("#bot-status").textContent = "reconnecting…";
        await sleep(1000);
      }
    }
  }

  // ---- rendering ------------------------------------------------------------------------

  function render(data) {
    version = data.version;
    $("#bot-name").textContent = data.bot.first_name;
    $("#bot-avatar").textContent = (data.bot.first_name || "B").slice(0, 1).toUpperCase();
    $("#bot-status").textContent = `@${data.bot.username} · sandbox`;
    const stickToBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    renderMessages(data.messages);
    renderReplyKeyboard(data.reply_keyboard, data.keyboard_options || {});
    renderAnswers(data.answers);
    if (stickToBottom) list.scrollTop = list.scrollHeight;
  }

  function renderMessages(messages) {
    const present = new Set();
    for (const message of messages) {
      present.add(message.message_id);
      const key = JSON.stringify(message);
      const known = shown.get(message.message_id);
      if (known && known.key === key) continue;
      const element = messageElement(message);
      if (known) known.element.replaceWith(element);
      else list.appendChild(element);
      shown.set(message.message_id, { key, element });
    }
    for (const [id, known] of shown) {
      if (!present.has(id)) { known.element.remove(); shown.delete(id); }
    }
    let empty = list.querySelector(".empty");
    if (!messages.length && !empty) {
      empty = document.createElement("div");
      empty.className = "empty";
      empty.textContent = "No messages yet";
      list.appendChild(empty);
    } else if (messages.length && empty) {
      empty.remove();
    }
  }

  function messageElement(message) {
    const group = document.createElement("div");
    group.className = `msg-group ${message.from}`;
    const bubble = document.createElement("div");
    bubble.className = `msg ${message.from}`;
    bubble.dataset.messageId = message.message_id;
    group.appendChild(bubble);

    if (message.photo) {
      const image = document.createElement("img");
      image.className = "photo";
      image.src = message.photo;
      image.alt = "photo";
      bubble.appendChild(image);
    }
    if (message.document) bubble.appendChild(documentElement(message.document));
    if (message.location) {
      const place = document.createElement("div");
      place.className = "location";
      const { latitude, longitude } = message.location;
      place.innerHTML = ICONS.pin;
      place.appendChild(document.createTextNode(` ${latitude.toFixed(5)}, ${longitude.toFixed(5)}`));
      bubble.appendChild(place);
    }
    if (message.kind === "sticker") {
      bubble.classList.add("sticker-only");
      const sticker = document.createElement("div");
      sticker.className = "sticker";
      sticker.textContent = message.text || "sticker";
      bubble.appendChild(sticker);
    } else if (message.text) {
      const body = document.createElement("div");
      body.className = "body";
      body.appendChild(formatted(message.text, message.entities || []));
      bubble.appendChild(body);
    }
    bubble.appendChild(metaElement(message));
    if (message.buttons && message.buttons.length) group.appendChild(inlineKeyboard(message));
    return group;
  }

  function documentElement(document_) {
    const file = document.createElement("div");
    file.className = "file";
    const icon = document.createElement("span");
    icon.className = "icon";
    icon.innerHTML = ICONS.document;
    const link = document.createElement(document_.url ? "a" : "span");
    link.textContent = document_.file_name || "document";
    if (document_.url) { link.href = document_.url; link.download = document_.file_name || ""; }
    file.append(icon, link);
    return file;
  }

  function metaElement(message) {
    const meta = document.createElement("span");
    meta.className = "meta";
    if (message.edited) {
      const edited = document.createElement("span");
      edited.className = "edited";
      edited.textContent = "edited";
      meta.appendChild(edited);
    }
    const time = new Date(message.date * 1000);
    meta.appendChild(document.createTextNode(
      `${String(time.getHours()).padStart(2, "0")}:${String(time.getMinutes()).padStart(2, "0")}`));
    return meta;
  }

  function inlineKeyboard(message) {
    const keyboard = document.createElement("div");
    keyboard.className = "kb";
    for (const row of message.buttons) {
      const line = document.createElement("div");
      line.className = "row";
      for (const button of row) {
        const element = document.createElement("button");
        element.type = "button";
        element.textContent = button.text;
        if (button.url) {
          element.classList.add("url");
          element.addEventListener("click", () => window.open(button.url, "_blank", "noopener"));
        } else if (button.callback_data !== undefined) {
          element.dataset.callback = button.callback_data;
          element.addEventListener("click", () =>
            post("press_button", { message_id: message.message_id, callback_data: button.callback_data })
              .catch(() => {}));
        } else {
          element.addEventListener("click", () => showToast("This kind of button does not work in the sandbox"));
        }
        line.appendChild(element);
      }
      keyboard.appendChild(line);
    }
    return keyboard;
  }

  // Telegram entities use UTF-16 offsets, which is exactly how JavaScript indexes strings.
  function formatted(text, entities) {
    const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
    const fragment = document.createDocumentFragment();
    build(fragment, text, 0, text.length, sorted);
    return fragment;
  }

  function build(parent, text, start, end, entities) {
    let position = start;
    let index = 0;
    while (index < entities.length) {
      const entity = entities[index++];
      if (entity.offset < position) continue; // overlaps a sibling: Telegram only nests
      const entityEnd = Math.min(entity.offset + entity.length, end);
      if (entity.offset > position) parent.appendChild(document.createTextNode(text.slice(position, entity.offset)));
      const inner = [];
      while (index < entities.length && entities[index].offset < entityEnd) inner.push(entities[index++]);
      const element = entityElement(entity, text.slice(entity.offset, entityEnd));
      build(element, text, entity.offset, entityEnd, inner);
      parent.appendChild(element);
      position = entityEnd;
    }
    if (position < end) parent.appendChild(document.createTextNode(text.slice(position, end)));
  }

  function entityElement(entity, content) {
    const tags = {
      bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
      blockquote: "blockquote", expandable_blockquote: "blockquote",
    };
    if (tags[entity.type]) return document.createElement(tags[entity.type]);
    if (entity.type === "text_link" || entity.type === "url") {
      const href = entity.type === "url" ? content : entity.url;
      const link = document.createElement("a");
      if (/^(https?:|tg:|mailto:)/i.test(href)) link.href = href;
      else if (entity.type === "url") link.href = `https://${href}`;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    const span = document.createElement("span");
    if (entity.type === "spoiler") {
      span.className = "spoiler";
      span.addEventListener("click", () => span.classList.add("shown"));
    } else if (entity.type === "bot_command") {
      span.className = "command";
      span.title = "Send this command";
      span.addEventListener("click", () => sendText(content).catch(() => {}));
    }
    return span;
  }

  function renderReplyKeyboard(rows, options) {
    const area = $("#reply-kb");
    const key = JSON.stringify(rows);
    $("#input").placeholder = (rows && options.placeholder) || "Message";
    if (!rows || key === dismissedKeyboard) { area.hidden = true; area.replaceChildren(); return; }
    if (area.dataset.key === key && !area.hidden) return;
    area.dataset.key = key;
    area.replaceChildren();
    for (const row of rows) {
      const line = document.createElement("div");
      line.className = "row";
      for (const button of row) {
        const element = document.createElement("button");
        element.type = "button";
        element.textContent = button.text;
        element.addEventListener("click", () => {
          if (options.one_time) dismissedKeyboard = key;
          if (button.request_location) {
            sendLocation(Number($("#lat").value) || 50.4501, Number($("#lon").value) || 30.5234).catch(() => {});
          } else if (button.request_contact) {
            const phone = window.prompt("Phone number to share (sandbox)", "+380501234567");
            if (phone) sendContact(phone).catch(() => {});
          } else if (button.request_users || button.request_chat || button.request_poll) {
            showToast("This kind of button does not work in the sandbox");
          } else {
            sendText(button.text).catch(() => {});
          }
          if (options.one_time) area.hidden = true;
        });
        line.appendChild(element);
      }
      area.appendChild(line);
    }
    area.hidden = false;
  }

  function renderAnswers(answers) {
    if (answersSeen === null) { answersSeen = answers.length; return; }
    for (const answer of answers.slice(answersSeen)) {
      if (answer.text) showToast(answer.text, answer.show_alert);
    }
    answersSeen = answers.length;
  }

  let toastTimer = null;
  function showToast(text, alert = false) {
    const toast = $("#toast");
    toast.textContent = text;
    toast.className = alert ? "alert" : "";
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, alert ? 6000 : 2500);
  }

  // ---- what the person does -------------------------------------------------------------

  function openChat(firstText) {
    $("#join-screen").hidden = true;
    version = -1;
    answersSeen = null;
    dismissedKeyboard = null;
    for (const known of shown.values()) known.element.remove();
    shown.clear();
    poll();
    if (firstText) sendText(firstText).catch(() => {});
    showMe();
    $("#input").focus();
  }

  // ---- who the person is: their Telegram id, and (sandbox only) becoming an organiser ---------------

  async function showMe() {
    $("#me-id").textContent = person.chatId;
    $("#me").hidden = false;
    $("#act-as-organiser").hidden = true;
    $("#organiser-badge").hidden = true;
    try {
      const response = await fetch(`${API}/organiser?chat_id=${person.chatId}`, { cache: "no-store" });
      if (!response.ok) return;
      showOrganiser(await response.json());
    } catch { /* the server is restarting: the id is still shown */ }
  }

  function showOrganiser(state) {
    $("#act-as-organiser").hidden = !state.available || state.organiser;
    $("#organiser-badge").hidden = !state.organiser;
  }

  $("#act-as-organiser").addEventListener("click", async () => {
    try {
      showOrganiser(await post("organiser", {}));
      await sendText("/admin"); // the organiser's commands, in the person's language
    } catch { /* post() showed why */ }
  });

  function startCommand() {
    const payload = new URLSearchParams(location.search).get("start");
    if (payload !== null) history.replaceState(null, "", location.pathname);
    return payload ? `/start ${payload}` : null;
  }

  $("#join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("#name").value.trim();
    if (!name) { $("#name").focus(); return; }
    person = { ...person, name, language: $("#language").value, chatId: newChatId() };
    savePerson();
    openChat(startCommand() || "/start");
  });

  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("#input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendText(text).catch(() => { input.value = text; });
    input.focus();
  });

  $("#restart").addEventListener("click", (event) => {
    event.preventDefault();
    pollRun++;
    person = { ...person, chatId: null };
    savePerson();
    $("#me").hidden = true;
    for (const known of shown.values()) known.element.remove();
    shown.clear();
    showJoinScreen();
  });

  $("#location").addEventListener("click", () => { $("#location-panel").hidden = !$("#location-panel").hidden; });
  $("#cancel-location").addEventListener("click", () => { $("#location-panel").hidden = true; });
  $("#send-location").addEventListener("click", () => {
    const latitude = Number($("#lat").value);
    const longitude = Number($("#lon").value);
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
      showToast("Latitude must be within ±90 and longitude within ±180", true);
      return;
    }
    $("#location-panel").hidden = true;
    sendLocation(latitude, longitude).catch(() => {});
  });

  $("#attach").addEventListener("click", () => $("#file").click());
  $("#file").addEventListener("change", () => {
    const file = $("#file").files[0];
    $("#file").value = "";
    if (!file) return;
    if (file.size > MAX_UPLOAD || file.size === 0) { showToast("Files must be between 1 byte and 20 MB", true); return; }
    const reader = new FileReader();
    reader.onload = () => {
      const base64 = String(reader.result).split(",", 2)[1] || "";
      post("send_document", {
        filename: file.name, mime_type: file.type || "application/octet-stream", content_base64: base64,
      }).catch(() => {});
    };
    reader.readAsDataURL(file);
  });

  function showJoinScreen() {
    $("#name").value = person.name || "";
    const preferred = person.language || (navigator.language || "uk").slice(0, 2);
    $("#language").value = LANGUAGES.includes(preferred) ? preferred : "uk";
    $("#join-screen").hidden = false;
    $("#name").focus();
  }

  if (person.chatId && person.name) openChat(startCommand());
  else showJoinScreen();
})();
