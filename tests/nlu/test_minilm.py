"""The MiniLM encoder and its tokenizer reproduce the published model's behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from nurture_nlu.minilm import Encoder, packaged_model_dir
from nurture_nlu.wordpiece import WordPiece, basic_split


@pytest.fixture(scope="module")
def wordpiece() -> WordPiece:
    return WordPiece.from_file(packaged_model_dir() / "vocab.txt")


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder.load(packaged_model_dir())


def pieces(wordpiece: WordPiece, text: str) -> list[str]:
    inverse = {index: token for token, index in wordpiece.vocab.items()}
    return [inverse[i] for i in wordpiece.text_ids(text)]


def embed(encoder: Encoder, wordpiece: WordPiece, text: str) -> np.ndarray:
    ids = np.array([[wordpiece.cls_id, *wordpiece.text_ids(text), wordpiece.sep_id]])
    vector = encoder.encode(ids, np.ones_like(ids, dtype=np.float32))[0].mean(axis=0)
    return np.asarray(vector / np.linalg.norm(vector))


def test_wordpiece_splits_like_bert(wordpiece: WordPiece) -> None:
    assert pieces(wordpiece, "unaffable") == ["una", "##ffa", "##ble"]
    assert pieces(wordpiece, "Héllo, RevOps!") == ["hello", ",", "rev", "##ops", "!"]


def test_basic_split_drops_control_characters_and_spaces_out_cjk() -> None:
    assert basic_split("a\x00b\u200b c\tD") == ["ab", "c", "d"]
    assert basic_split("价格?") == ["价", "格", "?"]


def test_unknown_and_overlong_words_become_unk(wordpiece: WordPiece) -> None:
    assert wordpiece.word_ids("x" * 101) == [wordpiece.unk_id]
    assert wordpiece.word_ids("\u2603\u2603") == [wordpiece.unk_id]


@pytest.mark.parametrize(
    ("first", "second", "published"),
    [  # similarities that sentence-transformers documents for all-MiniLM-L6-v2
        ("The cat sits outside", "The dog plays in the garden", 0.2838),
        ("A man is playing guitar", "A woman watches TV", -0.0327),
        ("The new movie is awesome", "The new movie is so great", 0.8939),
    ],
)
def test_sentence_similarity_matches_the_published_model(
    encoder: Encoder, wordpiece: WordPiece, first: str, second: str, published: float
) -> None:
    assert float(embed(encoder, wordpiece, first) @ embed(encoder, wordpiece, second)) == pytest.approx(
        published, abs=5e-4
    )


def test_padding_does_not_change_the_vectors(encoder: Encoder, wordpiece: WordPiece) -> None:
    short = [wordpiece.cls_id, *wordpiece.text_ids("book a demo"), wordpiece.sep_id]
    long = [wordpiece.cls_id, *wordpiece.text_ids("how much does the enterprise plan cost"), wordpiece.sep_id]
    ids = np.zeros((2, len(long)), dtype=np.int64)
    mask = np.zeros((2, len(long)), dtype=np.float32)
    ids[0, : len(short)], mask[0, : len(short)] = short, 1.0
    ids[1], mask[1] = long, 1.0
    batched = encoder.encode(ids, mask)
    alone = encoder.encode(np.array([short]), np.ones((1, len(short)), dtype=np.float32))
    np.testing.assert_allclose(batched[0, : len(short)], alone[0], atol=1e-4)


def test_missing_weights_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import nurture_nlu.minilm as minilm

    monkeypatch.setattr(minilm, "MODEL_PACKAGE", "no_such_weights_package")
    with pytest.raises(FileNotFoundError, match="no_such_weights_package"):
        minilm.packaged_model_dir()
