// Canned answers: choosing one puts its text in the reply box (the SMS preview then updates).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-rapida]");
  if (!select || !select.value) return;
  const box = select.form.querySelector("textarea[name=texto]");
  box.value = select.value;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  select.value = "";
});
