"""Run by every IPython kernel that the site build starts (``PYTHONSTARTUP``, set by the hook).

It writes each matplotlib figure's title (its suptitle, else its axes titles) into the PNG's
``Title`` text chunk; ``scripts/mkdocs_hooks.py`` reads it back as the image's alt text. Nothing
else in the kernel changes, and notebooks run the same without it. IPython runs this file in the
notebook's namespace, so everything lives inside one function that is deleted afterwards.
"""


def _install_png_titles() -> None:
    import re

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    original_print_png = FigureCanvasAgg.print_png
    if getattr(original_print_png, "_writes_title", False):
        return

    def plain(text: str) -> str:
        """Mathtext to readable words: ``$\\lambda_j$`` becomes ``lambda_j``."""
        text = re.sub(r"\\(?:mathrm|mathit|mathbf|text|operatorname)\{([^}]*)\}", r"\1", text)
        for char in "$\\{}":
            text = text.replace(char, "")
        return " ".join(text.split())

    def figure_title(fig) -> str:
        suptitle = fig.get_suptitle()
        if suptitle.strip():
            return plain(suptitle)
        titles = [
            ax.get_title(loc)
            for ax in fig.get_axes()
            for loc in ("center", "left", "right")
            if ax.get_title(loc).strip()
        ]
        return "; ".join(plain(t) for t in titles)

    # Same signature and module as the original: matplotlib filters the keywords it passes to
    # print methods from its own modules only, by inspecting their signature.
    def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None):
        title = figure_title(self.figure)
        if title:
            metadata = {"Title": title, **(metadata or {})}
        return original_print_png(
            self, filename_or_obj, metadata=metadata, pil_kwargs=pil_kwargs
        )

    print_png.__module__ = original_print_png.__module__
    print_png.__qualname__ = original_print_png.__qualname__
    print_png._writes_title = True
    FigureCanvasAgg.print_png = print_png


_install_png_titles()
del _install_png_titles
