"""Whole-sequence models: one output per sequence (a class, or values), from long tables or 3-D arrays.

Modules, in the order they import each other (each only those before it):

    inputs        checks of long tables and arrays; arrays become the same long frame
    batches       one buffer of all sequences plus offsets; padded batches gathered in one indexing; splits
    labels        labels of any type: codes, class weights, JSON round trips, softmax
    metrics       accuracy, balanced accuracy, macro-F1, confusion matrix: ClassificationEvaluation
    model         SequenceModel, what the three estimators share
    classifier    SequenceClassifier (long tables)
    arrays        LSTMClassifier, LSTMRegressor (3-D arrays, scikit-learn compatible)
"""
