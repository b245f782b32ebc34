// A page whose form came back with errors opens on their summary (templates/includes/error_summary.html): focus
// moves there, so a screen reader reads it and a phone shows it, wherever the first field in error lies.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
});
