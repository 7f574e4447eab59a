"""Correct implementations of lab 6's graded functions, in the styles students write them.

Each value is the full source of a solution cell; it runs with np, torch, nn, F and the lab's
given names in scope. ``conv2d_naive`` and ``maxpool2d_naive`` may use ``F.pad``, ``F.unfold`` and
``Tensor.unfold`` (the notebook allows them), never ``F.conv2d`` / ``F.max_pool2d``. Every variant
must pass the visible checks and earn full marks under both grading paths.
"""

VARIANTS = {
    "conv_output_size": {
        "math.floor of a true division (math imported by the cell)": '''
import math


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
''',
        "the kernel's span first (dilation (k - 1) + 1)": '''
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    span = dilation * (kernel - 1) + 1
    return (size + 2 * padding - span) // stride + 1
''',
        "counting the windows that fit with a loop": '''
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    padded = size + 2 * padding
    span = dilation * (kernel - 1) + 1
    count, start = 0, 0
    while start + span <= padded:
        count += 1
        start += stride
    return count
''',
        "NumPy integer arithmetic (returns np.int64)": '''
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return np.floor_divide(np.int64(size) + 2 * padding - dilation * (kernel - 1) - 1, stride) + 1
''',
    },
    "conv2d_naive": {
        "F.unfold (im2col) and einsum": '''
def conv2d_naive(x, w, b, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = (H + 2 * padding - kH) // stride + 1
    W_out = (W + 2 * padding - kW) // stride + 1
    cols = F.unfold(x, kernel_size=(kH, kW), padding=padding, stride=stride)   # (N, C_in*kH*kW, L)
    out = torch.einsum("ok,nkl->nol", w.reshape(C_out, -1), cols)
    if b is not None:
        out = out + b[None, :, None]
    return out.reshape(N, C_out, H_out, W_out)
''',
        "a loop over the kernel taps, each a strided slice of the padded input": '''
def conv2d_naive(x, w, b, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    xp = F.pad(x, [padding] * 4)
    H_out = (xp.shape[2] - kH) // stride + 1
    W_out = (xp.shape[3] - kW) // stride + 1
    out = torch.zeros(N, C_out, H_out, W_out, dtype=x.dtype, device=x.device)
    for u in range(kH):
        for v in range(kW):
            tap = xp[:, :, u:u + stride * (H_out - 1) + 1:stride, v:v + stride * (W_out - 1) + 1:stride]
            out += torch.einsum("nchw,oc->nohw", tap, w[:, :, u, v])
    if b is not None:
        out += b.view(1, -1, 1, 1)
    return out
''',
        "four nested loops, padding by copying into a zero tensor": '''
def conv2d_naive(x, w, b, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    x_pad = x.new_zeros(N, C_in, H + 2 * padding, W + 2 * padding)
    x_pad[:, :, padding:padding + H, padding:padding + W] = x
    H_out = (H + 2 * padding - kH) // stride + 1
    W_out = (W + 2 * padding - kW) // stride + 1
    out = x.new_zeros(N, C_out, H_out, W_out)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + kH, j * stride:j * stride + kW]
                    out[n, o, i, j] = (window * w[o]).sum() + (b[o] if b is not None else 0)
    return out
''',
        "Tensor.unfold windows (N, C, H_out, W_out, kH, kW) and tensordot": '''
def conv2d_naive(x, w, b, stride=1, padding=0):
    kH, kW = w.shape[2], w.shape[3]
    x_pad = F.pad(x, (padding, padding, padding, padding))
    windows = x_pad.unfold(2, kH, stride).unfold(3, kW, stride)     # (N, C_in, H_out, W_out, kH, kW)
    out = torch.tensordot(windows, w, dims=([1, 4, 5], [1, 2, 3]))  # (N, H_out, W_out, C_out)
    out = out.permute(0, 3, 1, 2)
    return out if b is None else out + b.reshape(1, -1, 1, 1)
''',
    },
    "maxpool2d_naive": {
        "loops over the windows, max of the flattened window": '''
def maxpool2d_naive(x, kernel, stride=None):
    stride = stride or kernel
    N, C, H, W = x.shape
    H_out, W_out = (H - kernel) // stride + 1, (W - kernel) // stride + 1
    out = torch.empty(N, C, H_out, W_out, dtype=x.dtype, device=x.device)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + kernel, j * stride:j * stride + kernel]
            out[:, :, i, j] = window.reshape(N, C, -1).max(dim=2).values
    return out
''',
        "Tensor.unfold on both axes, then amax": '''
def maxpool2d_naive(x, kernel, stride=None):
    if stride is None:
        stride = kernel
    patches = x.unfold(2, kernel, stride).unfold(3, kernel, stride)   # (N, C, H_out, W_out, k, k)
    return patches.amax(dim=(-1, -2))
''',
        "torch.maximum over the kernel offsets (strided slices)": '''
def maxpool2d_naive(x, kernel, stride=None):
    s = kernel if stride is None else stride
    H_out = (x.shape[2] - kernel) // s + 1
    W_out = (x.shape[3] - kernel) // s + 1
    out = None
    for u in range(kernel):
        for v in range(kernel):
            part = x[:, :, u:u + s * (H_out - 1) + 1:s, v:v + s * (W_out - 1) + 1:s]
            out = part if out is None else torch.maximum(out, part)
    return out.clone()
''',
        "F.unfold on one-channel images, max over the window column": '''
def maxpool2d_naive(x, kernel, stride=None):
    stride = kernel if stride is None else stride
    N, C, H, W = x.shape
    H_out, W_out = (H - kernel) // stride + 1, (W - kernel) // stride + 1
    cols = F.unfold(x.reshape(N * C, 1, H, W), kernel, stride=stride)   # (N*C, k*k, H_out*W_out)
    return cols.max(dim=1).values.reshape(N, C, H_out, W_out)
''',
    },
    "train_cnn": {
        "an nn.Module class with F.relu / F.max_pool2d, SGD with momentum 0.9 at 0.05": '''
class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


def train_cnn(X_train, y_train, device, seed):
    torch.manual_seed(seed)
    model = DigitsCNN().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(20):
        perm = torch.randperm(len(X_train), device=device)
        for idx in perm.split(64):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
    return model.eval()
''',
        "a DataLoader with batches of 32, Adam 3e-3": '''
def train_cnn(X_train, y_train, device, seed):
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10),
    ).to(device)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(20):
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return model
''',
        "Adam 1e-3 for 40 epochs": '''
def train_cnn(X_train, y_train, device, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = len(X_train)
    for epoch in range(40):
        order = torch.randperm(n, device=device)
        for start in range(0, n, 64):
            idx = order[start:start + 64]
            loss = F.cross_entropy(model(X_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
        "padding='same', log_softmax + nll_loss, AdamW, batches of 128, 30 epochs": '''
def train_cnn(X_train, y_train, device, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(8, 16, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(64, 10),
    )
    model = model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
    X, y = X_train.to(device), y_train.to(device)
    for epoch in range(30):
        order = torch.randperm(len(X), device=device)
        X_shuffled, y_shuffled = X[order], y[order]
        for start in range(0, len(X), 128):
            logits = model(X_shuffled[start:start + 128])
            loss = F.nll_loss(F.log_softmax(logits, dim=1), y_shuffled[start:start + 128])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
    },
}
