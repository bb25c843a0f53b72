# %% [markdown]
# # Three ways to estimate a group's intercept
#
# *Placeholder notebook: the lead replaces this page.* Complete pooling gives every group the
# same intercept, no pooling gives each group $\alpha_j = \bar y_j$, and partial pooling weights
# the two with
#
# $$\lambda_j = \frac{n_j\sigma_\alpha^2}{n_j\sigma_\alpha^2+\sigma_y^2}.$$
#
# Back to the [home page](../index.md).

# %%
import matplotlib.pyplot as plt
import numpy as np

rng = np.random.default_rng(20240501)
n = np.arange(1, 41)
sigma_alpha, sigma_y = 1.0, 2.0
lambda_ = n * sigma_alpha**2 / (n * sigma_alpha**2 + sigma_y**2)

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(n, lambda_, marker="o", markersize=3)
ax.set_xlabel("group size $n_j$")
ax.set_ylabel(r"shrinkage weight $\lambda_j$")
ax.set_title(r"The weight $\lambda_j$ on a group's own mean grows with its size")
plt.show()
