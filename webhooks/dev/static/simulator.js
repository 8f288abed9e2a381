// famibot simulator (dev only): vanilla JS, no external resources.
(function () {
  "use strict";

  var POLL_MS = 1500;
  var STATUS_LABELS = {
    queued: "en cola", accepted: "aceptado", sending: "enviando", sent: "enviado",
    delivered: "entregado", read: "leído", failed: "falló", undelivered: "no entregado",
    received: "recibido"
  };
  var settings = document.getElementById("settings");
  var composer = document.getElementById("composer");
  var chat = document.getElementById("chat");
  var phoneInput = document.getElementById("phone");
  var profileInput = document.getElementById("profile");
  var textInput = document.getElementById("text");
  var fileInput = document.getElementById("file");
  var payloadInput = document.getElementById("button-payload");
  var buttonTextInput = document.getElementById("button-text");
  var statusLine = document.getElementById("status");
  var sendButton = document.getElementById("send");
  var botAddress = document.getElementById("bot-address");

  var rendered = {};   // sid -> <li>
  var conversationKey = "";
  var pollTimer = null;

  function channel() {
    return settings.querySelector("input[name=channel]:checked").value;
  }

  function setStatus(text, bad) {
    statusLine.textContent = text;
    statusLine.className = bad ? "bad" : "";
  }

  function applyChannel() {
    var whatsapp = channel() === "whatsapp";
    document.querySelectorAll(".wa-only").forEach(function (el) { el.hidden = !whatsapp; });
    botAddress.textContent = whatsapp ? settings.dataset.whatsappFrom : settings.dataset.smsFrom;
    try {
      localStorage.setItem("famibot-sim", JSON.stringify({ channel: channel(), phone: phoneInput.value }));
    } catch (e) { /* storage may be disabled */ }
  }

  function resetConversation() {
    rendered = {};
    chat.replaceChildren(emptyItem());
  }

  function emptyItem() {
    var li = document.createElement("li");
    li.className = "empty";
    li.textContent = "Todavía no hay mensajes.";
    return li;
  }

  function metaText(m) {
    var parts = [new Date(m.date).toLocaleTimeString("es-CO", { hour: "2-digit", minute: "2-digit", second: "2-digit" })];
    parts.push(STATUS_LABELS[m.status] || m.status);
    if (m.error_code) { parts.push("error " + m.error_code); }
    if (m.error_message) { parts.push(m.error_message); }
    if (m.sms) {
      parts.push(m.sms.encoding + " · " + m.sms.segments + (m.sms.segments === 1 ? " segmento" : " segmentos"));
    }
    return parts.join(" · ");
  }

  function buildItem(m) {
    var li = document.createElement("li");
    li.className = m.direction;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = m.direction === "in" ? "Usted: " : "Bot: ";
    li.appendChild(who);
    if (m.body) {
      var p = document.createElement("p");
      p.className = "body";
      p.textContent = m.body;
      li.appendChild(p);
    }
    if (m.buttons && m.buttons.length) {
      // A WhatsApp template's quick replies / list options: tapping one posts its ButtonPayload,
      // exactly as Twilio does when the user taps it on the phone.
      var group = document.createElement("div");
      group.className = "replies";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Opciones de la plantilla de WhatsApp");
      m.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "reply";
        button.textContent = b.title;
        button.addEventListener("click", function () { tapReply(b); });
        group.appendChild(button);
      });
      li.appendChild(group);
    }
    (m.media || []).forEach(function (item) {
      if (item.content_type.indexOf("image/") === 0 && item.url.charAt(0) === "/") {
        var img = document.createElement("img");
        img.src = item.url;
        img.alt = "Imagen adjunta";
        li.appendChild(img);
      } else {
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = "Archivo adjunto (" + (item.content_type || "desconocido") + ")";
        a.rel = "noopener";
        a.target = "_blank";
        li.appendChild(a);
      }
    });
    var meta = document.createElement("p");
    meta.className = "meta";
    li.appendChild(meta);
    return li;
  }

  function render(messages) {
    if (messages.length && chat.querySelector(".empty")) { chat.replaceChildren(); }
    var atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
    var added = false;
    messages.forEach(function (m) {
      var li = rendered[m.sid];
      if (!li) {
        li = buildItem(m);
        rendered[m.sid] = li;
        chat.appendChild(li);
        added = true;
      }
      var meta = li.querySelector(".meta");
      var text = metaText(m);
      if (meta.textContent !== text) { meta.textContent = text; }
      meta.className = "meta" + (m.status === "failed" || m.status === "undelivered" || m.error_message ? " bad" : "");
    });
    if (added && atBottom) { chat.scrollTop = chat.scrollHeight; }
  }

  function poll() {
    var key = channel() + "|" + phoneInput.value.trim();
    if (key !== conversationKey) { conversationKey = key; resetConversation(); }
    var query = new URLSearchParams({ channel: channel(), phone: phoneInput.value.trim() });
    return fetch("/simulator/api/messages?" + query.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { return null; }
        return response.json();
      })
      .then(function (data) { if (data && key === conversationKey) { render(data.messages); } })
      .catch(function () { /* server restarting: try again on the next tick */ });
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(function () { poll().then(schedulePoll); }, POLL_MS);
  }

  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(String(reader.result).split(",", 2)[1] || ""); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(file);
    });
  }

  function detailText(data, status) {
    if (data && typeof data.detail === "string") { return data.detail; }
    if (data && Array.isArray(data.detail)) {
      return data.detail.map(function (d) { return d.msg; }).join("; ");
    }
    return "Error HTTP " + status;
  }

  function tapReply(b) {
    payloadInput.value = b.payload;
    buttonTextInput.value = b.title;
    textInput.value = "";
    composer.requestSubmit();
  }

  function send(event) {
    event.preventDefault();
    var payload = {
      channel: channel(),
      phone: phoneInput.value.trim(),
      text: textInput.value,
      profile_name: profileInput.value.trim() || "Usuaria de prueba"
    };
    var whatsapp = payload.channel === "whatsapp";
    if (whatsapp && payloadInput.value.trim()) {
      payload.button_payload = payloadInput.value.trim();
      payload.button_text = buttonTextInput.value.trim() || null;
    }
    var file = whatsapp && fileInput.files.length ? fileInput.files[0] : null;
    if (!payload.text.trim() && !file && !payload.button_payload) {
      setStatus("Escriba un mensaje antes de enviar.", true);
      textInput.focus();
      return;
    }
    sendButton.disabled = true;
    setStatus("Enviando…", false);
    var ready = file
      ? readFile(file).then(function (data) { payload.media = { content_type: file.type, data_b64: data, filename: file.name }; })
      : Promise.resolve();
    ready
      .then(function () {
        return fetch("/simulator/api/send", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(payload)
        });
      })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          if (response.ok && data && data.ok) {
            setStatus("Entregado al webhook (HTTP " + data.status_code + ").", false);
            textInput.value = "";
            fileInput.value = "";
            payloadInput.value = "";
            buttonTextInput.value = "";
          } else if (data && data.status_code) {
            setStatus("El webhook respondió HTTP " + data.status_code + ".", true);
          } else {
            setStatus(detailText(data, response.status), true);
          }
        });
      })
      .catch(function (error) { setStatus("No se pudo enviar: " + error, true); })
      .then(function () {
        sendButton.disabled = false;
        textInput.focus();
        poll();
      });
  }

  try {
    var saved = JSON.parse(localStorage.getItem("famibot-sim") || "null");
    if (saved) {
      if (saved.phone) { phoneInput.value = saved.phone; }
      var radio = settings.querySelector("input[name=channel][value=" + (saved.channel === "whatsapp" ? "whatsapp" : "sms") + "]");
      radio.checked = true;
    }
  } catch (e) { /* ignore */ }

  settings.addEventListener("change", function () { applyChannel(); poll(); });
  settings.addEventListener("submit", function (event) { event.preventDefault(); });
  composer.addEventListener("submit", send);
  textInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  applyChannel();
  poll().then(schedulePoll);
})();
