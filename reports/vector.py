"""A matplotlib Figure drawn onto a reportlab canvas as vector paths.

One chart definition (reports/charts.py) serves the screen (PNG, or a Qt canvas in the console) and
paper, where bars, lines and labels stay sharp at any zoom and print resolution. Text is drawn as the
font's glyph outlines (matplotlib's text-to-path), so the chart needs no font of its own in the PDF.
"""

from __future__ import annotations

from typing import Any, cast

from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Transform
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

CAPS = {"butt": 0, "round": 1, "projecting": 2}
JOINS = {"miter": 0, "round": 1, "bevel": 2}


class CanvasRenderer(RendererBase):
    """matplotlib's renderer interface on a reportlab canvas, one pixel to one point (72 dpi)."""

    def __init__(self, canvas: Canvas, width: float, height: float) -> None:
        super().__init__()
        self.canvas = canvas
        self.width = width
        self.height = height

    def get_canvas_width_height(self) -> tuple[float, float]:
        return self.width, self.height

    def points_to_pixels(self, points: Any) -> Any:
        return points

    def flipy(self) -> bool:
        return False  # both have their origin at the bottom left

    def option_image_nocomposite(self) -> bool:
        return True

    def new_gc(self) -> GraphicsContextBase:
        return GraphicsContextBase()

    def _outline(self, path: MplPath, transform: Any) -> Any:
        outline = self.canvas.beginPath()
        here = (0.0, 0.0)
        for vertices, code in path.iter_segments(transform, remove_nans=True, simplify=False, curves=True):
            if code == MplPath.MOVETO:
                outline.moveTo(*vertices)
                here = (vertices[0], vertices[1])
            elif code == MplPath.LINETO:
                outline.lineTo(*vertices)
                here = (vertices[0], vertices[1])
            elif code == MplPath.CURVE3:  # a quadratic Bézier as the cubic PDF draws
                qx, qy, x, y = vertices
                outline.curveTo(here[0] + 2 / 3 * (qx - here[0]), here[1] + 2 / 3 * (qy - here[1]),
                                x + 2 / 3 * (qx - x), y + 2 / 3 * (qy - y), x, y)
                here = (x, y)
            elif code == MplPath.CURVE4:
                outline.curveTo(*vertices)
                here = (vertices[4], vertices[5])
            elif code == MplPath.CLOSEPOLY:
                outline.close()
        return outline

    def _clip(self, gc: GraphicsContextBase) -> None:
        box = gc.get_clip_rectangle()
        if box is not None:
            clip = self.canvas.beginPath()
            clip.rect(box.x0, box.y0, box.width, box.height)
            self.canvas.clipPath(clip, stroke=0, fill=0)
        clip_path, clip_transform = cast(tuple[Any, Any], gc.get_clip_path())  # a Path once transformed
        if clip_path is not None:
            self.canvas.clipPath(self._outline(clip_path, clip_transform), stroke=0, fill=0)

    def draw_path(self, gc: GraphicsContextBase, path: MplPath, transform: Transform,
                  rgbFace: Any = None) -> None:  # noqa: N803 - matplotlib's parameter name
        canvas = self.canvas
        stroke_rgba = gc.get_rgb()
        width = gc.get_linewidth()
        stroke = width > 0 and stroke_rgba[3] > 0
        fill = rgbFace is not None and (len(rgbFace) < 4 or rgbFace[3] > 0)
        if not stroke and not fill:
            return
        canvas.saveState()
        self._clip(gc)
        if fill:
            alpha = gc.get_alpha() if gc.get_forced_alpha() else (rgbFace[3] if len(rgbFace) > 3 else 1.0)
            canvas.setFillColorRGB(*rgbFace[:3], alpha=alpha)
        if stroke:
            canvas.setStrokeColorRGB(*stroke_rgba[:3], alpha=stroke_rgba[3])
            canvas.setLineWidth(width)
            canvas.setLineCap(CAPS.get(gc.get_capstyle(), 0))
            canvas.setLineJoin(JOINS.get(gc.get_joinstyle(), 0))
            offset, dashes = cast(tuple[float | None, Any], gc.get_dashes())
            if dashes is not None and len(dashes):
                canvas.setDash([float(d) for d in dashes], offset or 0)
        canvas.drawPath(self._outline(path, transform), stroke=int(stroke), fill=int(fill))
        canvas.restoreState()

    def draw_image(self, gc: GraphicsContextBase, x: float, y: float, im: Any, transform: Any = None) -> None:
        from PIL import Image

        height, width = im.shape[:2]
        self.canvas.saveState()
        self._clip(gc)
        self.canvas.drawImage(ImageReader(Image.fromarray(im, "RGBA")), x, y, width, height, mask="auto")
        self.canvas.restoreState()


def draw_figure(figure: Figure, canvas: Canvas, width: float, height: float) -> None:
    """Draws `figure` at (0, 0) of the canvas's current coordinates, `width` × `height` points."""
    dpi, size = figure.dpi, figure.get_size_inches()
    figure.set_dpi(72)
    figure.set_size_inches(width / 72, height / 72)
    try:
        figure.draw(CanvasRenderer(canvas, width, height))
    finally:
        figure.set_dpi(dpi)
        figure.set_size_inches(*size)


class ChartFlowable(Flowable):
    """A chart in a reportlab story, `width` × `height` points, drawn as vectors."""

    def __init__(self, figure: Figure, width: float, height: float) -> None:
        super().__init__()
        self.figure = figure
        self.width = width
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_figure(self.figure, self.canv, self.width, self.height)
