"""Lab 5's claims about Experiments 3 and 4, rerun with the reference `train_autoencoder` on seeds 0 and 1
(the seeds the notes report): the denoising autoencoder's error to the clean digits is well below the noisy
input's and the plain autoencoder's, and the autoencoder's error lies below PCA's at K = 2 and K = 8 (the
notes' "every K" adds 4 and 16, measured once; four more trainings per seed would double this test's time).
Six trainings of about a second each on one CPU thread."""
import pytest
import torch

from labkit.data import digits_split
from solutions.lab05_autoencoders import add_noise, reconstruction_loss, train_autoencoder


@pytest.fixture(scope="module")
def digits():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tuple(torch.as_tensor(digits_split(part)[0], dtype=torch.float32) for part in ("train", "val"))
    torch.set_num_threads(threads)


@pytest.mark.parametrize("seed", [0, 1])
def test_denoising_and_pca(digits, seed):
    X_train, X_val = digits
    mean = X_train.mean(dim=0)
    _, _, Vt = torch.linalg.svd(X_train - mean, full_matrices=False)
    noisy = add_noise(X_val, 0.4, torch.Generator().manual_seed(123))
    for k in (2, 8):
        model = train_autoencoder(X_train, k, "cpu", seed)
        V = Vt[:k].T
        with torch.no_grad():
            ae, pca = (float(reconstruction_loss(x_hat, X_val)) for x_hat in (model(X_val), mean + (X_val - mean) @ V @ V.T))
        assert ae < 0.8 * pca, (k, ae, pca)
    dae = train_autoencoder(X_train, 8, "cpu", seed, noise_std=0.4)
    with torch.no_grad():
        errors = [float(reconstruction_loss(x, X_val)) for x in (noisy, model(noisy), dae(noisy))]
    noisy_input, plain, denoised = errors
    assert denoised < 0.5 * noisy_input and denoised < 0.7 * plain, errors
