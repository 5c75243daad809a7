// Front end of srlib.viz.compare.ImageView (an anywidget ES module, no build step).
// Tested in a real browser only; the Python side is what tests/viz/test_compare.py drives.
// Python renders every picture; this view only shows the PNG bytes it is sent and,
// when `clickable`, reports a click as [y, x, count] in image pixels (count makes a
// second click on the same pixel a change too).

function render({ model, el }) {
  const img = document.createElement("img");
  img.className = "srlib-image";
  img.draggable = false;
  let url = null;

  const show = () => {
    const data = model.get("value");
    if (url) URL.revokeObjectURL(url);
    url = data && data.byteLength ? URL.createObjectURL(new Blob([data], { type: "image/png" })) : null;
    if (url) img.src = url;
    else img.removeAttribute("src");
    img.alt = model.get("alt");
    // Browser tests can wait for this number to change after moving a control.
    el.dataset.version = String(Number(el.dataset.version || 0) + 1);
  };

  const onClick = (event) => {
    if (!model.get("clickable") || !img.naturalWidth) return;
    const rect = img.getBoundingClientRect();
    const x = Math.floor(((event.clientX - rect.left) * img.naturalWidth) / rect.width);
    const y = Math.floor(((event.clientY - rect.top) * img.naturalHeight) / rect.height);
    const previous = model.get("click");
    const count = (previous && previous.length > 2 ? previous[2] : 0) + 1;
    model.set("click", [y, x, count]);
    model.save_changes();
  };

  // Small pictures are enlarged by a whole factor, pixel for pixel, so they are not tiny.
  const applyScale = () => {
    const scale = model.get("display_scale");
    const enlarged = scale > 1 && img.naturalWidth > 0;
    img.style.width = enlarged ? `${img.naturalWidth * scale}px` : "";
    img.style.imageRendering = enlarged ? "pixelated" : "";
  };

  el.classList.add("srlib-image-view");
  if (model.get("clickable")) el.classList.add("srlib-clickable");
  img.addEventListener("click", onClick);
  img.addEventListener("load", applyScale);
  model.on("change:display_scale", applyScale);
  model.on("change:value", show);
  model.on("change:alt", show);
  show();
  el.appendChild(img);

  return () => {
    model.off("change:value", show);
    model.off("change:alt", show);
    model.off("change:display_scale", applyScale);
    img.removeEventListener("click", onClick);
    img.removeEventListener("load", applyScale);
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };
